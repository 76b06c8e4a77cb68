package io.portcullis.transport.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import io.portcullis.api.transport.TransportStatistics;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One listening address and the receiver it feeds. With native epoll it is served by one socket per
 * event loop (SO_REUSEPORT): the kernel hashes each client's address to one of them, so one client's
 * packets always arrive on one thread while different clients use all cores.
 */
final class UdpBinding implements TransportBinding {

    private static final Logger LOG = Logger.getLogger(UdpBinding.class.getName());

    private final PacketReceiver receiver;
    private final Consumer<UdpBinding> onClose;
    private final ThreadLocal<UdpSegmentSender> senders;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final TrafficCounters counters = new TrafficCounters();
    private volatile DatagramChannel[] channels; // the first one's address is the binding's
    // Reading each channel's socket in its place, same index; null while Netty's pipeline reads them
    private DatagramReader[] readers; // guarded by this
    // sendmsg (with UDP GSO) from every sending thread, the event loops too; null without native epoll or JNA
    private volatile DirectSendSocket directSocket;
    // Packets queued on a channel from outside its event loop (no direct socket): flush() must push them.
    private final AtomicBoolean queuedFromOutside = new AtomicBoolean();

    UdpBinding(PacketReceiver receiver, Consumer<UdpBinding> onClose, ThreadLocal<UdpSegmentSender> senders) {
        this.receiver = receiver;
        this.onClose = onClose;
        this.senders = senders;
    }

    /**
     * From now on {@code started[i]} reads channel i's socket. When the binding closed meanwhile, they
     * are closed here instead; false then.
     */
    synchronized boolean reading(List<DatagramReader> started) {
        if (closed.get()) {
            started.forEach(DatagramReader::close);
            return false;
        }
        readers = started.toArray(new DatagramReader[0]);
        return true;
    }

    /** One datagram (or one of a GRO read) to the receiver; a failure drops that datagram only. */
    void deliver(InetSocketAddress sender, ByteBuffer packet) {
        counters.received(packet.remaining());
        try {
            receiver.received(this, sender, packet);
        } catch (RuntimeException e) {
            counters.dropped(1);
            LOG.log(Level.FINE, "receiver dropped a datagram from " + sender, e);
        }
    }

    /** The end of one read of a socket: what it caused goes out together. */
    void readDone() {
        try {
            receiver.batchEnd(this); // e.g. the TUN writes this read caused go out together
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "receiver failed at the end of a read batch on " + this, e);
        }
        flushSegments(); // what this loop sent while handling the batch (the replies, say)
    }

    /** A handler for one of this binding's channels (one each: handlers are not shared). */
    ChannelHandler inboundHandler() {
        return new DatagramDispatcher();
    }

    TrafficCounters counters() {
        return counters;
    }

    /** Takes over the bound channels; the first one's address is the binding's. */
    void attach(List<DatagramChannel> bound, DirectSendSocket direct) {
        this.directSocket = direct;
        this.channels = bound.toArray(new DatagramChannel[0]);
        for (DatagramChannel channel : bound) {
            // One socket gone would move its clients to the others mid-session: end the whole binding.
            channel.closeFuture().addListener(f -> close());
        }
    }

    @Override
    public String transportName() {
        return UdpTransport.NAME;
    }

    @Override
    public InetSocketAddress localAddress() {
        DatagramChannel[] chs = channels;
        return chs == null ? null : chs[0].localAddress();
    }

    int socketCount() {
        DatagramChannel[] chs = channels;
        return chs == null ? 0 : chs.length;
    }

    @Override
    public void send(InetSocketAddress peer, ByteBuffer packet) {
        DatagramChannel[] chs = channels;
        if (chs == null || closed.get()) {
            counters.dropped(1);
            packet.position(packet.limit());
            return;
        }
        DirectSendSocket direct = directSocket;
        if (direct != null) {
            // Every thread, an event loop too (a reply to a read, or a routing engine's TUN read on the
            // loop): runs of packets to one peer leave with one sendmsg. Out at flush(), and on a loop
            // also at the end of its read batch.
            UdpSegmentSender sender = senders.get();
            if (sender == null) {
                sender = new UdpSegmentSender();
                senders.set(sender);
            }
            sender.send(direct, peer, packet);
            return;
        }
        // Without a direct socket (NIO, or no JNA): Netty's channel writes.
        for (DatagramChannel ch : chs) {
            if (ch.eventLoop().inEventLoop()) {
                write(ch, peer, packet); // out at channelReadComplete or flush()
                return;
            }
        }
        write(chs[0], peer, packet);
        queuedFromOutside.set(true);
    }

    /** Sends the calling thread's run of packets collected for UDP GSO, if it has one (any binding's). */
    private void flushSegments() {
        UdpSegmentSender sender = senders.get();
        if (sender != null) {
            sender.flush();
        }
    }

    /** Queues on the channel until it is flushed: together (sendmmsg) and with one wake-up of its loop. */
    private void write(DatagramChannel ch, InetSocketAddress peer, ByteBuffer packet) {
        int length = packet.remaining();
        if (!ch.isActive()) {
            counters.dropped(1);
            packet.position(packet.limit());
            return;
        }
        ByteBuf copy = ch.alloc().directBuffer(length);
        copy.writeBytes(packet);
        counters.sent(1, length);
        ch.write(new DatagramPacket(copy, peer), ch.voidPromise());
    }

    @Override
    public void flush() {
        flushSegments();
        DatagramChannel[] chs = channels;
        if (chs == null) {
            return;
        }
        for (DatagramChannel ch : chs) {
            if (ch.eventLoop().inEventLoop()) {
                ch.flush();
            }
        }
        // From another thread a flush is a task and a wake-up of the loop: only when there is something.
        if (queuedFromOutside.get() && queuedFromOutside.getAndSet(false)) {
            for (DatagramChannel ch : chs) {
                ch.flush();
            }
        }
    }

    @Override
    public void disconnect(InetSocketAddress peer) {
        // Connectionless: nothing to end.
    }

    @Override
    public boolean isOpen() {
        DatagramChannel[] chs = channels;
        if (closed.get() || chs == null) {
            return false;
        }
        for (DatagramChannel ch : chs) {
            if (!ch.isOpen()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public TransportStatistics statistics() {
        return counters.snapshot();
    }

    @Override
    public void close() {
        close(true);
    }

    /** Closes a binding that failed to start: the receiver never saw it, so it is not told. */
    void abandon() {
        close(false);
    }

    private void close(boolean tellReceiver) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        DirectSendSocket direct = directSocket;
        if (direct != null) {
            direct.close(); // before the channels: no sendmsg on a descriptor they free
        }
        DatagramChannel[] chs = channels;
        DatagramReader[] reading;
        synchronized (this) {
            reading = readers;
        }
        if (chs != null) {
            boolean onOwnLoop = false;
            for (int i = 0; i < chs.length; i++) {
                closeOnItsLoop(chs[i], reading == null ? null : reading[i]);
                onOwnLoop |= chs[i].eventLoop().inEventLoop();
            }
            if (!onOwnLoop) {
                // So that the port is free when close() returns (a loop cannot wait for its own task).
                for (DatagramChannel ch : chs) {
                    ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
                }
            }
        }
        onClose.accept(this);
        if (!tellReceiver) {
            return;
        }
        try {
            receiver.bindingClosed(this);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "receiver failed on close of UDP binding " + this, e);
        }
    }

    /** The reader first, on the channel's loop, where nothing else reads then; the duplicate descriptor with it. */
    private static void closeOnItsLoop(DatagramChannel ch, DatagramReader reader) {
        if (reader == null) {
            ch.close();
            return;
        }
        Runnable closing = () -> {
            reader.close();
            ch.close();
        };
        if (ch.eventLoop().inEventLoop()) {
            closing.run();
            return;
        }
        try {
            ch.eventLoop().execute(closing);
        } catch (RejectedExecutionException e) {
            closing.run(); // the loop has stopped: no read is under way
        }
    }

    @Override
    public String toString() {
        InetSocketAddress local = localAddress();
        return "udp " + (local == null ? "(unbound)" : local);
    }

    /** Netty's read path, where there is no {@link DatagramReader}: NIO, or no JNA. */
    private final class DatagramDispatcher extends SimpleChannelInboundHandler<DatagramPacket> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket datagram) {
            deliver(datagram.sender(), datagram.content().nioBuffer());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readDone();
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable and the like surface here; they never close a UDP listener.
            counters.dropped(1);
            LOG.log(Level.FINE, "UDP socket error on " + ctx.channel().localAddress(), cause);
        }
    }
}
