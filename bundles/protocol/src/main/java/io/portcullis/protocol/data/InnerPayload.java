package io.portcullis.protocol.data;

import java.nio.ByteBuffer;

/**
 * Recognises what a decrypted data-channel payload is (reference §7.4): OpenVPN's 16-byte
 * keepalive ping, an OCC message (only EXIT matters in TLS mode), or an IP packet.
 * Compression framing is not handled here.
 */
public final class InnerPayload {

    /** What a decrypted payload carries. */
    public enum Kind {
        PING,
        OCC_EXIT,
        OCC_OTHER,
        IP_PACKET
    }

    private static final byte[] PING_MAGIC = {
        0x2a, 0x18, 0x7b, (byte) 0xf3, 0x64, 0x1e, (byte) 0xb4, (byte) 0xcb,
        0x07, (byte) 0xed, 0x2d, 0x0a, (byte) 0x98, 0x1f, (byte) 0xc7, 0x48};
    private static final byte[] OCC_MAGIC = {
        0x28, 0x7f, 0x34, 0x6b, (byte) 0xd4, (byte) 0xef, 0x7a, (byte) 0x81,
        0x2d, 0x56, (byte) 0xb8, (byte) 0xd3, (byte) 0xaf, (byte) 0xc5, 0x45, (byte) 0x9c};
    public static final int OCC_EXIT = 6;

    private InnerPayload() {
    }

    /** Classifies the remaining bytes of {@code payload} without consuming them. */
    public static Kind classify(ByteBuffer payload) {
        int p = payload.position();
        int n = payload.remaining();
        if (n == PING_MAGIC.length && startsWith(payload, p, PING_MAGIC)) {
            return Kind.PING;
        }
        if (n > OCC_MAGIC.length && startsWith(payload, p, OCC_MAGIC)) {
            return (payload.get(p + OCC_MAGIC.length) & 0xFF) == OCC_EXIT ? Kind.OCC_EXIT : Kind.OCC_OTHER;
        }
        return Kind.IP_PACKET;
    }

    private static boolean startsWith(ByteBuffer b, int pos, byte[] magic) {
        for (int i = 0; i < magic.length; i++) {
            if (b.get(pos + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** The keepalive ping payload. */
    public static byte[] ping() {
        return PING_MAGIC.clone();
    }

    /** The OCC EXIT payload (explicit-exit-notify). */
    public static byte[] occExit() {
        byte[] b = java.util.Arrays.copyOf(OCC_MAGIC, OCC_MAGIC.length + 1);
        b[OCC_MAGIC.length] = OCC_EXIT;
        return b;
    }
}
