package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;

/** Big-endian header fields at absolute offsets, whatever order the buffer is set to. */
final class NetworkOrder {

    private NetworkOrder() {
    }

    static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xff;
    }

    static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) << 8 | (b.get(at + 1) & 0xff);
    }

    static int u32(ByteBuffer b, int at) {
        return u16(b, at) << 16 | u16(b, at + 2);
    }

    static void putU16(ByteBuffer b, int at, int value) {
        b.put(at, (byte) (value >>> 8));
        b.put(at + 1, (byte) value);
    }

    static void putU32(ByteBuffer b, int at, int value) {
        putU16(b, at, value >>> 16);
        putU16(b, at + 2, value);
    }
}
