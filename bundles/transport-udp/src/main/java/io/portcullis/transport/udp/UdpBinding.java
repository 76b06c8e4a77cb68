package io.portcullis.transport.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.Socket;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import io.portcullis.api.transport.TransportStatistics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One listening datagram channel and the receiver it feeds. */
final class UdpBinding implements TransportBinding {

    private static final Logger LOG = Logger.getLogger(UdpBinding.class.getName());

    private final PacketReceiver receiver;
    private final Consumer<UdpBinding> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder packetsReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder packetsSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile DatagramChannel channel;
    // The channel's own socket, for sending from threads outside its event loop (TUN readers)
    // straight away instead of through a task and a wake-up of the loop. The lock keeps close()
    // from freeing the descriptor while a send is under way (a reused number would be another file).
    private final ReentrantReadWriteLock directLock = new ReentrantReadWriteLock();
    private Socket directSocket;

    UdpBinding(PacketReceiver receiver, Consumer<UdpBinding> onClose) {
        this.receiver = receiver;
        this.onClose = onClose;
    }

    ChannelHandler inboundHandler() {
        return new DatagramDispatcher();
    }

    void attach(DatagramChannel channel) {
        this.channel = channel;
        if (channel instanceof EpollDatagramChannel epoll) {
            directSocket = new Socket(epoll.fd().intValue()); // a view: never closed through it
        }
        channel.closeFuture().addListener(f -> close());
    }

    @Override
    public String transportName() {
        return UdpTransport.NAME;
    }

    @Override
    public InetSocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public void send(InetSocketAddress peer, ByteBuffer packet) {
        DatagramChannel ch = channel;
        if (ch == null || closed.get() || !ch.isActive()) {
            dropped.increment();
            packet.position(packet.limit());
            return;
        }
        int length = packet.remaining();
        if (packet.isDirect() && !ch.eventLoop().inEventLoop() && sendDirect(peer, packet, length)) {
            return;
        }
        ByteBuf copy = ch.alloc().directBuffer(length);
        copy.writeBytes(packet);
        packetsSent.increment();
        bytesSent.add(length);
        DatagramPacket datagram = new DatagramPacket(copy, peer);
        // Queued until flush(): replies made while handling a read batch go out at channelReadComplete,
        // packets from other threads (a TUN reader's batch) at the caller's flush, together (sendmmsg)
        // and with one wake-up of the event loop instead of one per packet.
        ch.write(datagram, ch.voidPromise());
    }

    /** sendto(2) on the channel's socket from this thread; false when that path is not available. */
    private boolean sendDirect(InetSocketAddress peer, ByteBuffer packet, int length) {
        ReentrantReadWriteLock.ReadLock lock = directLock.readLock();
        lock.lock();
        try {
            Socket socket = directSocket;
            if (socket == null) {
                return false;
            }
            int sent = socket.sendTo(packet, packet.position(), packet.limit(), peer.getAddress(), peer.getPort());
            if (sent <= 0) {
                dropped.increment(); // the socket's send buffer is full: drop, as a router would
            } else {
                packetsSent.increment();
                bytesSent.add(length);
            }
            packet.position(packet.limit());
            return true;
        } catch (IOException e) {
            dropped.increment();
            packet.position(packet.limit());
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
        DatagramChannel ch = channel;
        if (ch != null) {
            ch.flush();
        }
    }

    @Override
    public void disconnect(InetSocketAddress peer) {
        // Connectionless: nothing to end.
    }

    @Override
    public boolean isOpen() {
        DatagramChannel ch = channel;
        return !closed.get() && ch != null && ch.isOpen();
    }

    @Override
    public TransportStatistics statistics() {
        return new TransportStatistics(packetsReceived.sum(), bytesReceived.sum(),
                packetsSent.sum(), bytesSent.sum(), dropped.sum());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        directLock.writeLock().lock();
        try {
            directSocket = null;
        } finally {
            directLock.writeLock().unlock();
        }
        DatagramChannel ch = channel;
        if (ch != null) {
            ch.close();
        }
        onClose.accept(this);
        try {
            receiver.bindingClosed(this);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "receiver failed on close of UDP binding " + ch, e);
        }
    }

    @Override
    public String toString() {
        return "udp " + (channel == null ? "(unbound)" : channel.localAddress());
    }

    /** Hands each datagram to the receiver; a failure drops that datagram only. */
    private final class DatagramDispatcher extends SimpleChannelInboundHandler<DatagramPacket> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket datagram) {
            ByteBuf content = datagram.content();
            int length = content.readableBytes();
            packetsReceived.increment();
            bytesReceived.add(length);
            try {
                receiver.received(UdpBinding.this, datagram.sender(), content.nioBuffer());
            } catch (RuntimeException e) {
                dropped.increment();
                LOG.log(Level.FINE, "receiver dropped a datagram from " + datagram.sender(), e);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable and the like surface here; they never close a UDP listener.
            dropped.increment();
            LOG.log(Level.FINE, "UDP socket error on " + ctx.channel().localAddress(), cause);
        }
    }
}
