package io.portcullis.transport.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.Transport;
import io.portcullis.api.transport.TransportBinding;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code tcp} transport: each binding is one Netty server channel; the listening sockets and
 * every accepted connection share one event loop group (native epoll where the platform has it,
 * NIO elsewhere). Accepted sockets get TCP_NODELAY: OpenVPN's control packets are small and
 * latency-bound.
 */
@Component(
        service = Transport.class,
        immediate = true, // owns event loops: start them once, not on every lookup
        configurationPid = "io.portcullis.transport.tcp",
        property = Transport.NAME_PROPERTY + "=" + TcpTransport.NAME)
@Designate(ocd = TcpTransportConfig.class)
public class TcpTransport implements Transport {

    static final String NAME = "tcp";
    private static final Logger LOG = Logger.getLogger(TcpTransport.class.getName());

    private final Set<TcpBinding> bindings = ConcurrentHashMap.newKeySet();
    private final TcpTransportSettings settings;
    private final EventLoopGroup group;
    private final boolean nativeEpoll;

    @Activate
    public TcpTransport(TcpTransportConfig config) {
        this.settings = TcpTransportSettings.from(config);
        this.nativeEpoll = Epoll.isAvailable();
        IoHandlerFactory io = nativeEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(settings.eventLoopThreads(),
                new DefaultThreadFactory("portcullis-tcp", true), io);
        LOG.info(() -> "TCP transport ready (" + (nativeEpoll ? "native epoll" : "NIO") + ", "
                + settings.eventLoopThreads() + " threads, default " + settings.defaultAddress()
                + ", at most " + settings.maxConnections() + " connections per binding)");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<TransportBinding> bind(InetSocketAddress local, PacketReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        InetSocketAddress address = local != null ? local : settings.defaultAddress();
        CompletableFuture<TransportBinding> result = new CompletableFuture<>();
        TcpBinding binding = new TcpBinding(receiver, settings.maxConnections(),
                settings.handshakeTimeoutSeconds(), bindings::remove);
        int high = settings.sendQueueBytes();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(nativeEpoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(binding.connectionInitializer());
        bootstrap.bind(address).addListener(future -> {
            if (future.isSuccess()) {
                binding.attach(((ChannelFuture) future).channel());
                bindings.add(binding);
                LOG.info(() -> "TCP transport listening on " + binding.localAddress());
                result.complete(binding);
            } else {
                result.completeExceptionally(new BindException(
                        "cannot listen on TCP " + address + ": " + future.cause().getMessage()));
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
        List<TcpBinding> open = List.copyOf(bindings);
        for (TcpBinding binding : open) {
            binding.close();
        }
        // Let every connection report its disconnect (on the event loops) before they stop.
        for (TcpBinding binding : open) {
            try {
                binding.closeFuture().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(Level.WARNING, "TCP binding " + binding + " did not close cleanly", e);
            }
        }
        try {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.WARNING, "interrupted while stopping the TCP event loops", e);
        }
    }
}
