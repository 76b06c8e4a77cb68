package io.portcullis.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The last handler of one accepted connection: hands each decoded frame to the binding and
 * releases it, closes the connection on a malformed frame or when no packet came in time, and
 * reports the disconnect. Everything but {@link #channel()}, {@link #peer()} and {@link #gone()}
 * runs on the connection's event loop.
 */
final class TcpConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(TcpConnection.class.getName());

    private final TcpBinding binding;
    private final InetSocketAddress peer;
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    private volatile Channel channel;
    private boolean registered;
    private boolean reading;
    private boolean sawPacket;
    private ScheduledFuture<?> handshakeTimer;

    TcpConnection(TcpBinding binding, InetSocketAddress peer) {
        this.binding = binding;
        this.peer = peer;
    }

    InetSocketAddress peer() {
        return peer;
    }

    Channel channel() {
        return channel;
    }

    /** Completes once the connection closed and, if it was admitted, the receiver was told. */
    CompletableFuture<Void> gone() {
        return gone;
    }

    /** True on the event loop while this connection delivers a read batch. */
    boolean isReading() {
        return reading;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!binding.register(this)) {
            ctx.close();
            return;
        }
        registered = true;
        int timeout = binding.handshakeTimeoutSeconds();
        if (timeout > 0) {
            handshakeTimer = ctx.executor().schedule(() -> handshakeTimedOut(ctx), timeout, TimeUnit.SECONDS);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg; // the frame decoder sits in front: only frames arrive
        try {
            if (!registered || !ctx.channel().isActive()) {
                // Refused, or closed earlier in this batch (bad frame, disconnect): deliver nothing more.
                binding.countDropped();
                return;
            }
            int length = frame.readableBytes();
            if (length == 0) {
                binding.countDropped();
                LOG.fine(() -> "closing TCP connection from " + peer + ": zero-length frame");
                ctx.close();
                return;
            }
            if (!sawPacket) {
                sawPacket = true;
                cancelTimer();
            }
            reading = true;
            binding.deliver(peer, frame.nioBuffer(), length);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (registered) {
            binding.batchEnd();
        }
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        reading = false;
        try {
            if (registered) {
                registered = false;
                binding.unregister(this);
            }
        } finally {
            gone.complete(null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            // TooLongFrameException among others: this stream cannot be trusted to stay in frame.
            binding.countDropped();
            LOG.fine(() -> "closing TCP connection from " + peer + ": " + cause.getMessage());
        } else if (cause instanceof IOException) {
            LOG.fine(() -> "TCP connection from " + peer + " failed: " + cause.getMessage());
        } else {
            LOG.log(Level.FINE, "closing TCP connection from " + peer, cause);
        }
        ctx.close();
    }

    private void handshakeTimedOut(ChannelHandlerContext ctx) {
        if (!sawPacket && ctx.channel().isActive()) {
            LOG.fine(() -> "closing TCP connection from " + peer + ": no packet within "
                    + binding.handshakeTimeoutSeconds() + " s");
            ctx.close();
        }
    }

    private void cancelTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
    }
}
