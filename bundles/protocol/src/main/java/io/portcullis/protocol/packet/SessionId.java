package io.portcullis.protocol.packet;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A 64-bit control-channel session id. Zero means "undefined" and is never chosen.
 */
public record SessionId(long value) {

    public static final int LENGTH = 8;
    public static final SessionId UNDEFINED = new SessionId(0);

    /** A fresh random, non-zero session id from the given generator. */
    public static SessionId random(RandomGenerator random) {
        long v;
        do {
            v = random.nextLong();
        } while (v == 0);
        return new SessionId(v);
    }

    public static SessionId read(ByteBuffer in) {
        return new SessionId(in.getLong());
    }

    public static SessionId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("session id must be 8 bytes");
        }
        return new SessionId(ByteBuffer.wrap(bytes).getLong());
    }

    public void write(ByteBuffer out) {
        out.putLong(value);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(LENGTH).putLong(value).array();
    }

    public boolean isDefined() {
        return value != 0;
    }

    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(value);
    }
}
