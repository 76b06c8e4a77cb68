package io.portcullis.transport.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
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
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.Transport;
import io.portcullis.api.transport.TransportBinding;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code udp} transport: each binding is one Netty datagram channel; all share one event loop
 * group (native epoll where the platform has it, NIO elsewhere).
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
    private final Set<UdpBinding> bindings = ConcurrentHashMap.newKeySet();
    private final UdpTransportSettings settings;
    private final EventLoopGroup group;
    private final boolean nativeEpoll;

    @Activate
    public UdpTransport(UdpTransportConfig config) {
        this.settings = UdpTransportSettings.from(config);
        this.nativeEpoll = Epoll.isAvailable();
        IoHandlerFactory io = nativeEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(settings.eventLoopThreads(),
                new DefaultThreadFactory("portcullis-udp", true), io);
        LOG.info(() -> "UDP transport ready (" + (nativeEpoll ? "native epoll" : "NIO") + ", "
                + settings.eventLoopThreads() + " threads, default " + settings.defaultAddress() + ")");
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
        CompletableFuture<TransportBinding> result = new CompletableFuture<>();
        UdpBinding binding = new UdpBinding(receiver, bindings::remove);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(nativeEpoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, settings.receiveBufferBytes())
                .option(ChannelOption.SO_SNDBUF, settings.sendBufferBytes())
                .handler(binding.inboundHandler());
        if (nativeEpoll) {
            // recvmmsg: up to DATAGRAMS_PER_READ datagrams per system call instead of one.
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM_BYTES)
                    .option(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES * DATAGRAMS_PER_READ));
        }
        bootstrap.bind(address).addListener(future -> {
            if (future.isSuccess()) {
                Channel channel = ((io.netty.channel.ChannelFuture) future).channel();
                binding.attach((DatagramChannel) channel);
                bindings.add(binding);
                LOG.info(() -> "UDP transport listening on " + binding.localAddress());
                result.complete(binding);
            } else {
                result.completeExceptionally(new java.net.BindException(
                        "cannot listen on UDP " + address + ": " + future.cause().getMessage()));
            }
        });
        return result;
    }

    @Override
    public List<TransportBinding> bindings() {
        return List.copyOf(bindings);
    }

    @Deactivate
    void deactivate() {
        for (UdpBinding binding : List.copyOf(bindings)) {
            binding.close();
        }
        try {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.WARNING, "interrupted while stopping the UDP event loops", e);
        }
    }
}
