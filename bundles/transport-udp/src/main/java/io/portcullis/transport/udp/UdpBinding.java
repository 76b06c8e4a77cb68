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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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

    UdpBinding(PacketReceiver receiver, Consumer<UdpBinding> onClose) {
        this.receiver = receiver;
        this.onClose = onClose;
    }

    ChannelHandler inboundHandler() {
        return new DatagramDispatcher();
    }

    void attach(DatagramChannel channel) {
        this.channel = channel;
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
        if (ch == null || !ch.isActive()) {
            dropped.increment();
            return;
        }
        int length = packet.remaining();
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
