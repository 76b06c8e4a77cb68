package io.portcullis.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import io.portcullis.api.transport.TransportStatistics;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One listening TCP socket, the connections it accepted (by remote address) and the receiver they
 * feed. OpenVPN over TCP frames every packet with a 2-byte big-endian length; a frame of length 0
 * or longer than {@link #MAX_PACKET_BYTES} closes that connection only.
 * <p>
 * {@link #send} writes without flushing when it runs on the connection's event loop while that
 * connection is delivering a read batch (the endpoint answering a packet): the batch's replies are
 * flushed together at {@code channelReadComplete}. Any other send is flushed at once, so
 * {@link #flush()} has nothing to do.
 */
final class TcpBinding implements TransportBinding {

    /** The frame decoder's limit, length field included (Netty counts it). */
    static final int MAX_FRAME_BYTES = 65535;
    /** The largest packet a frame can carry in either direction. */
    static final int MAX_PACKET_BYTES = MAX_FRAME_BYTES - 2;

    private static final Logger LOG = Logger.getLogger(TcpBinding.class.getName());
    private static final long REFUSAL_LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final PacketReceiver receiver;
    private final int maxConnections;
    private final int handshakeTimeoutSeconds;
    private final Consumer<TcpBinding> onClose;
    private final ConcurrentHashMap<InetSocketAddress, TcpConnection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final LongAdder packetsReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder packetsSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private volatile Channel server;

    TcpBinding(PacketReceiver receiver, int maxConnections, int handshakeTimeoutSeconds, Consumer<TcpBinding> onClose) {
        this.receiver = receiver;
        this.maxConnections = maxConnections;
        this.handshakeTimeoutSeconds = handshakeTimeoutSeconds;
        this.onClose = onClose;
    }

    /** Sets up each accepted socket's pipeline. */
    ChannelHandler connectionInitializer() {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(connectionHandlers((InetSocketAddress) ch.remoteAddress()));
            }
        };
    }

    /** A connection's pipeline: the 2-byte length frame decoder, then the dispatcher. */
    ChannelHandler[] connectionHandlers(InetSocketAddress peer) {
        return new ChannelHandler[] {
                new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 2, 0, 2),
                new TcpConnection(this, peer)
        };
    }

    void attach(Channel serverChannel) {
        this.server = serverChannel;
        serverChannel.closeFuture().addListener(f -> close());
    }

    int handshakeTimeoutSeconds() {
        return handshakeTimeoutSeconds;
    }

    /** Admits an accepted connection, or refuses it (binding closed, or too many connections). */
    boolean register(TcpConnection connection) {
        if (closed.get()) {
            return false;
        }
        if (openConnections.incrementAndGet() > maxConnections) {
            openConnections.decrementAndGet();
            refused.increment();
            long now = System.nanoTime();
            long last = lastRefusalLog.get();
            if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLog.compareAndSet(last, now)) {
                LOG.warning("TCP binding " + this + " refuses connections: maxConnections (" + maxConnections
                        + ") reached; " + refused.sum() + " refused so far (logged at most once a minute)");
            }
            return false;
        }
        TcpConnection stale = connections.put(connection.peer(), connection);
        if (stale != null) {
            // The same address and port again: the old socket is dead even if we have not seen it yet.
            stale.channel().close();
        }
        if (closed.get()) {
            // close() may have walked the map before this entry was in it.
            connections.remove(connection.peer(), connection);
            openConnections.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A registered connection closed; tells the receiver unless a newer connection took the address. */
    void unregister(TcpConnection connection) {
        openConnections.decrementAndGet();
        if (connections.remove(connection.peer(), connection)) {
            try {
                receiver.disconnected(this, connection.peer());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "receiver failed on disconnect of " + connection.peer() + " from " + this, e);
            }
        }
    }

    /** One frame from a connection; a receiver failure drops that packet only. */
    void deliver(InetSocketAddress peer, ByteBuffer packet, int length) {
        packetsReceived.increment();
        bytesReceived.add(length);
        try {
            receiver.received(this, peer, packet);
        } catch (RuntimeException e) {
            dropped.increment();
            LOG.log(Level.FINE, "receiver dropped a packet from " + peer, e);
        }
    }

    /** The end of one read of a connection's socket: the receiver pushes out what it caused. */
    void batchEnd() {
        try {
            receiver.batchEnd(this);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "receiver failed at the end of a read batch", e);
        }
    }

    void countDropped() {
        dropped.increment();
    }

    /** Completes once the socket and every connection are closed and the receiver was told. */
    CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** Open connections, for tests and operators. */
    int connectionCount() {
        return connections.size();
    }

    /** The open connection from {@code peer}, if any. */
    TcpConnection connection(InetSocketAddress peer) {
        return connections.get(peer);
    }

    @Override
    public String transportName() {
        return TcpTransport.NAME;
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel ch = server;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    @Override
    public void send(InetSocketAddress peer, ByteBuffer packet) {
        TcpConnection connection = connections.get(peer);
        int length = packet.remaining();
        if (connection == null || length > MAX_PACKET_BYTES) {
            dropped.increment();
            return;
        }
        Channel ch = connection.channel();
        if (!ch.isActive() || !ch.isWritable()) {
            // Gone, or the client is not reading: drop rather than buffer without bound.
            dropped.increment();
            return;
        }
        ByteBuf frame = ch.alloc().ioBuffer(2 + length);
        frame.writeShort(length);
        frame.writeBytes(packet);
        packetsSent.increment();
        bytesSent.add(length);
        if (ch.eventLoop().inEventLoop() && connection.isReading()) {
            ch.write(frame, ch.voidPromise()); // flushed at channelReadComplete
        } else {
            ch.writeAndFlush(frame, ch.voidPromise());
        }
    }

    @Override
    public void disconnect(InetSocketAddress peer) {
        TcpConnection connection = connections.get(peer);
        if (connection != null) {
            connection.channel().close();
        }
    }

    @Override
    public boolean isOpen() {
        Channel ch = server;
        return !closed.get() && ch != null && ch.isOpen();
    }

    @Override
    public TransportStatistics statistics() {
        return new TransportStatistics(packetsReceived.sum(), bytesReceived.sum(),
                packetsSent.sum(), bytesSent.sum(), dropped.sum());
    }

    /**
     * Stops listening and closes every connection. The receiver hears {@code disconnected} for each
     * connection and then {@code bindingClosed}, on an event loop, once all of them are closed.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        onClose.accept(this);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        Channel ch = server;
        if (ch != null) {
            pending.add(completion(ch.close()));
        }
        for (TcpConnection connection : connections.values()) {
            connection.channel().close();
            pending.add(connection.gone());
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
            try {
                receiver.bindingClosed(this);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "receiver failed on close of TCP binding " + this, e);
            } finally {
                closeFuture.complete(null);
            }
        });
    }

    private static CompletableFuture<Void> completion(ChannelFuture future) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        future.addListener(f -> done.complete(null));
        return done;
    }

    @Override
    public String toString() {
        Channel ch = server;
        return "tcp " + (ch == null ? "(unbound)" : ch.localAddress());
    }
}
