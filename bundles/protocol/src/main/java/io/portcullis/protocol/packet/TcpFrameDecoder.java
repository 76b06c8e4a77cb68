package io.portcullis.protocol.packet;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits an OpenVPN TCP byte stream ({@code u16 length || packet}, repeated) into packets.
 * Accumulates partial input across calls. A zero-length or over-long frame makes the stream
 * unusable: the decoder then reports the error on every call and the caller should close
 * the connection. Not thread-safe; one per connection.
 */
public final class TcpFrameDecoder {

    /** OpenVPN never sends more than about 2 KB; a generous default that still bounds memory. */
    public static final int DEFAULT_MAX_FRAME = 16 * 1024;

    private final int maxFrame;
    private final byte[] buffer;
    private int filled;
    private DropReason error;

    public TcpFrameDecoder() {
        this(DEFAULT_MAX_FRAME);
    }

    public TcpFrameDecoder(int maxFrame) {
        if (maxFrame < 1 || maxFrame > 0xFFFF) {
            throw new IllegalArgumentException("max frame must be 1..65535");
        }
        this.maxFrame = maxFrame;
        this.buffer = new byte[2 + maxFrame];
    }

    /** Frames completed by this input (in order), and the stream error if one occurred. */
    public record Frames(List<byte[]> packets, Optional<DropReason> error) {
        public Frames {
            packets = List.copyOf(packets);
        }
    }

    /** Consumes all remaining bytes of {@code in}. */
    public Frames decode(ByteBuffer in) {
        List<byte[]> out = new ArrayList<>();
        while (error == null && in.hasRemaining()) {
            int want = filled < 2 ? 2 - filled : 2 + frameLength() - filled;
            int n = Math.min(want, in.remaining());
            in.get(buffer, filled, n);
            filled += n;
            if (filled == 2) {
                int len = frameLength();
                if (len == 0) {
                    error = DropReason.MALFORMED;
                } else if (len > maxFrame) {
                    error = DropReason.TOO_LARGE;
                }
            } else if (filled > 2 && filled == 2 + frameLength()) {
                byte[] packet = new byte[filled - 2];
                System.arraycopy(buffer, 2, packet, 0, packet.length);
                out.add(packet);
                filled = 0;
            }
        }
        if (error != null) {
            in.position(in.limit());
        }
        return new Frames(out, Optional.ofNullable(error));
    }

    public Frames decode(byte[] bytes, int offset, int length) {
        return decode(ByteBuffer.wrap(bytes, offset, length));
    }

    /** Bytes held while waiting for the rest of a frame. */
    public int bufferedBytes() {
        return filled;
    }

    private int frameLength() {
        return (buffer[0] & 0xFF) << 8 | buffer[1] & 0xFF;
    }

    /** Prefixes a packet with its u16 length. */
    public static byte[] frame(byte[] packet) {
        if (packet.length == 0 || packet.length > 0xFFFF) {
            throw new IllegalArgumentException("packet length must be 1..65535");
        }
        byte[] out = new byte[packet.length + 2];
        out[0] = (byte) (packet.length >>> 8);
        out[1] = (byte) packet.length;
        System.arraycopy(packet, 0, out, 2, packet.length);
        return out;
    }
}
