package io.portcullis.transport.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.portcullis.api.io.IoThreads;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.Transport;
import io.portcullis.api.transport.TransportBinding;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code udp} transport. All bindings share one event loop group (native epoll where the
 * platform has it, NIO elsewhere); with epoll and more than one loop, each binding listens with one
 * socket per loop (SO_REUSEPORT), so that reads use every core. With epoll it also lends those loops
 * to a routing engine ({@link #ioThreads()}), which then reads its TUN device on them too.
 */
@Component(
        service = Transport.class,
        immediate = true, // owns event loops: start them once, not on every lookup
        configurationPid = "io.portcullis.transport.udp",
        property = Transport.NAME_PROPERTY + "=" + UdpTransport.NAME)
@Designate(ocd = UdpTransportConfig.class)
public class UdpTransport implements Transport {

    static final String NAME = "udp";
    private static final Logger LOG = Logger.getLogger(UdpTransport.class.getName());

    // Room for the largest OpenVPN packet a 9000-byte tunnel MTU makes; a longer datagram would be cut.
    static final int MAX_DATAGRAM_BYTES = 9216;
    static final int DATAGRAMS_PER_READ = 16;
    // A GRO read can hold up to 64 coalesced datagrams of one client: the kernel needs the whole 64 KiB.
    static final int GRO_READ_BYTES = 65536;

    private final Set<UdpBinding> bindings = ConcurrentHashMap.newKeySet();
    private final UdpTransportSettings settings;
    private final EventLoopGroup group;
    private final List<IoEventLoop> loops = new ArrayList<>();
    private final boolean nativeEpoll;
    // The transport's own socket calls through JNA (native epoll only): sendmsg from every thread, the
    // event loops too, and recvmmsg by a DatagramReader on each socket's loop; else Netty's.
    private final boolean ownSocketCalls;
    private final Optional<IoThreads> ioThreads; // the loops, with native epoll only
    private final EpollLoopThreads loopThreads; // the same, or null
    private final boolean gso;
    // Per sending thread, shared by all bindings, so that a thread's flush() pushes out its whole batch.
    private final ThreadLocal<UdpSegmentSender> senders = new ThreadLocal<>();
    // Finishes binds off the event loops (see bind); its threads end after a minute without one.
    private final ExecutorService starter = Executors.newCachedThreadPool(
            new DefaultThreadFactory("portcullis-bind-udp", true));

    @Activate
    public UdpTransport(UdpTransportConfig config) {
        this.settings = UdpTransportSettings.from(config);
        this.nativeEpoll = Epoll.isAvailable();
        this.ownSocketCalls = nativeEpoll && socketCallsLoad();
        this.gso = ownSocketCalls && settings.gso() && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
        IoHandlerFactory io = nativeEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(settings.eventLoopThreads(),
                new DefaultThreadFactory("portcullis-udp", true), io);
        for (EventExecutor loop : group) {
            loops.add((IoEventLoop) loop);
        }
        this.loopThreads = nativeEpoll ? new EpollLoopThreads(loops) : null;
        this.ioThreads = Optional.ofNullable(loopThreads);
        LOG.info(() -> "UDP transport ready (" + (nativeEpoll ? "native epoll" : "NIO") + ", "
                + settings.eventLoopThreads() + " threads, GSO " + onOff(gso) + ", GRO " + onOff(nativeEpoll && settings.gro())
                + ", read pause " + (ownSocketCalls ? settings.readPause() : "off")
                + ", default " + settings.defaultAddress() + ")");
        if (settings.gso() && ownSocketCalls && !gso) {
            LOG.info("UDP GSO is on in the settings but this kernel has no UDP_SEGMENT (before 4.18): "
                    + "one datagram per system call");
        }
    }

    private static boolean socketCallsLoad() {
        try {
            SocketCalls.load();
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "socket calls through JNA are not available (" + e
                    + "); packets are read and sent by Netty, without UDP GSO", e);
            return false;
        }
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<TransportBinding> bind(InetSocketAddress local, PacketReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        if (group.isShuttingDown()) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "the UDP transport is stopping; bind again once it is back in the registry"));
        }
        InetSocketAddress address = local != null ? local : settings.defaultAddress();
        UdpBinding binding = new UdpBinding(receiver, bindings::remove, senders);
        // One socket per loop with epoll; with NIO one socket, on the next loop (bindings share the loops).
        List<? extends EventLoop> targets = nativeEpoll ? loops : List.of((EventLoop) group.next());
        int sockets = targets.size();
        CompletableFuture<TransportBinding> result = new CompletableFuture<>();
        bindOne(targets.get(0), address, binding, sockets > 1).whenComplete((first, firstFailure) -> {
            if (firstFailure != null) {
                result.completeExceptionally(new BindException(
                        "cannot listen on UDP " + address + ": " + firstFailure.getMessage()));
                return;
            }
            // The others join the first one's port, which is the real one when port 0 was asked for.
            InetSocketAddress actual = first.localAddress();
            List<CompletableFuture<DatagramChannel>> others = new ArrayList<>();
            for (int i = 1; i < sockets; i++) {
                others.add(bindOne(targets.get(i), actual, binding, true));
            }
            // Decide once every bind has settled, so that none that succeeds late is left open. Off
            // the event loops: starting the readers waits for each loop to register its socket, and
            // two loops each waiting for the other (two bindings starting at once) would stall both.
            CompletableFuture.allOf(others.stream().map(f -> f.handle((ch, t) -> null)).toArray(CompletableFuture[]::new))
                    .thenRunAsync(() -> {
                        List<DatagramChannel> channels = new ArrayList<>(List.of(first));
                        Throwable failure = null;
                        for (CompletableFuture<DatagramChannel> other : others) {
                            try {
                                channels.add(other.join());
                            } catch (CompletionException e) {
                                failure = failure == null ? e.getCause() : failure;
                            }
                        }
                        if (failure != null) {
                            channels.forEach(DatagramChannel::close);
                            result.completeExceptionally(new BindException("cannot listen on UDP " + actual
                                    + " with " + sockets + " sockets (SO_REUSEPORT, one per event loop): "
                                    + failure.getMessage()));
                            return;
                        }
                        try {
                            start(binding, channels);
                        } catch (IOException | RuntimeException e) {
                            result.completeExceptionally(new BindException("cannot listen on UDP " + actual
                                    + ": " + e.getMessage()));
                            return;
                        }
                        result.complete(binding);
                    }, starter)
                    .exceptionally(refused -> { // the transport stopped before the bind could finish
                        if (result.isDone()) {
                            return null;
                        }
                        first.close();
                        others.forEach(f -> f.thenAccept(DatagramChannel::close));
                        result.completeExceptionally(new BindException("cannot listen on UDP " + actual
                                + ": the UDP transport is stopping"));
                        return null;
                    });
        });
        return result;
    }

    /** Wires the bound channels into the binding and starts reading them; a failure closes them. */
    private void start(UdpBinding binding, List<DatagramChannel> channels) throws IOException {
        DirectSendSocket direct = ownSocketCalls
                ? new DirectSendSocket(((EpollDatagramChannel) channels.get(0)).fd().intValue(), gso,
                        binding.counters(), "udp " + channels.get(0).localAddress())
                : null;
        binding.attach(channels, direct);
        if (ownSocketCalls) {
            // Channel i was bound on loop i. Its reader must run there, where the replies are sent from.
            List<DatagramReader> readers = new ArrayList<>();
            try {
                for (int i = 0; i < channels.size(); i++) {
                    EpollDatagramChannel channel = (EpollDatagramChannel) channels.get(i);
                    readers.add(DatagramReader.start(binding, loopThreads, i, channel.fd().intValue(),
                            settings.gro() ? GRO_READ_BYTES : MAX_DATAGRAM_BYTES, settings.gro(),
                            settings.readPause(),
                            "udp " + channel.localAddress() + " (event loop " + i + ")"));
                }
            } catch (IOException | RuntimeException e) {
                // Closed on their loops, as the binding closes them: a reader may be reading already.
                binding.reading(readers);
                binding.abandon();
                throw e;
            }
            if (!binding.reading(readers)) {
                throw new IOException("the binding was closed while it started");
            }
        } else {
            for (DatagramChannel channel : channels) {
                channel.config().setAutoRead(true); // only now: a packet must not reach the receiver before its binding is whole
            }
        }
        bindings.add(binding);
        LOG.info(() -> "UDP transport listening on " + binding.localAddress() + " with " + channels.size()
                + (channels.size() == 1 ? " socket" : " sockets (SO_REUSEPORT, one per event loop)")
                + (ownSocketCalls ? ", read with recvmmsg" : ", read by Netty"));
    }

    private CompletableFuture<DatagramChannel> bindOne(EventLoop loop, InetSocketAddress address, UdpBinding binding,
                                                       boolean reusePort) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(nativeEpoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, settings.receiveBufferBytes())
                .option(ChannelOption.SO_SNDBUF, settings.sendBufferBytes())
                .option(ChannelOption.AUTO_READ, false)
                .handler(binding.inboundHandler());
        if (nativeEpoll) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, reusePort);
            if (settings.gro()) {
                // For Netty's read path (no JNA): 4.2.18 splits a coalesced read into its datagrams only
                // on its recvmsg path (its recvmmsg passes no room for the segment size, netty#17492):
                // one read of 64 KiB each. A DatagramReader splits them itself, 16 reads per call.
                bootstrap.option(EpollChannelOption.UDP_GRO, true)
                        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(GRO_READ_BYTES));
            } else {
                // Netty's recvmmsg, where it reads: up to DATAGRAMS_PER_READ datagrams per system call.
                bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM_BYTES)
                        .option(ChannelOption.RCVBUF_ALLOCATOR,
                                new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES * DATAGRAMS_PER_READ));
            }
        }
        CompletableFuture<DatagramChannel> result = new CompletableFuture<>();
        bootstrap.bind(address).addListener((ChannelFuture future) -> {
            if (future.isSuccess()) {
                result.complete((DatagramChannel) future.channel());
            } else {
                result.completeExceptionally(future.cause());
            }
        });
        return result;
    }

    /** The event loops, with native epoll; empty with NIO. */
    @Override
    public Optional<IoThreads> ioThreads() {
        return ioThreads;
    }

    @Override
    public List<TransportBinding> bindings() {
        return List.copyOf(bindings);
    }

    @Deactivate
    void deactivate() {
        starter.shutdown(); // a bind under way still finishes, and closes what it opened if the loops stop
        for (UdpBinding binding : List.copyOf(bindings)) {
            binding.close();
        }
        try {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.WARNING, "interrupted while stopping the UDP event loops", e);
        }
        // A bind that finished while the loops stopped: its readers' descriptors are closed here.
        for (UdpBinding binding : List.copyOf(bindings)) {
            binding.close();
        }
    }
}
