package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;

/**
 * {@code struct virtio_net_hdr} from linux/virtio_net.h, without {@code num_buffers}: the 10 bytes
 * in front of every packet read from or written to a TUN device opened with {@code IFF_VNET_HDR}.
 * It says whether the packet is a segmentation-offload super-packet (and how to cut it) and
 * whether its transport checksum is still to be completed. Fields are in the host's byte order
 * (legacy virtio), little-endian on the 64-bit Linux hosts the engine runs on; the accessors read
 * them byte by byte, whatever the buffer's order.
 */
public final class VirtioNetHeader {

    public static final int LENGTH = 10;
    /** The largest frame a read can return: this header and an IPv6 packet with a 64 KiB payload. */
    public static final int MAX_FRAME = LENGTH + 40 + 65535;

    /** The checksum at csum_start + csum_offset holds only the pseudo-header sum: complete it. */
    public static final int F_NEEDS_CSUM = 1;
    /** The kernel has checked the checksum. */
    public static final int F_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    /** Or-ed into the type when the super-packet carries ECN (CWR set on its first segment). */
    public static final int GSO_ECN = 0x80;

    private VirtioNetHeader() {
    }

    public static int flags(ByteBuffer frame, int at) {
        return frame.get(at) & 0xff;
    }

    public static int gsoType(ByteBuffer frame, int at) {
        return frame.get(at + 1) & 0xff;
    }

    /** hdr_len: the length of the headers of each segment (not always trustworthy; see TcpSegmenter). */
    public static int headerLength(ByteBuffer frame, int at) {
        return u16(frame, at + 2);
    }

    public static int gsoSize(ByteBuffer frame, int at) {
        return u16(frame, at + 4);
    }

    public static int csumStart(ByteBuffer frame, int at) {
        return u16(frame, at + 6);
    }

    public static int csumOffset(ByteBuffer frame, int at) {
        return u16(frame, at + 8);
    }

    public static void write(ByteBuffer frame, int at, int flags, int gsoType, int headerLength, int gsoSize,
                             int csumStart, int csumOffset) {
        frame.put(at, (byte) flags);
        frame.put(at + 1, (byte) gsoType);
        putU16(frame, at + 2, headerLength);
        putU16(frame, at + 4, gsoSize);
        putU16(frame, at + 6, csumStart);
        putU16(frame, at + 8, csumOffset);
    }

    /** A header for a plain packet: no segmentation, checksum complete. */
    public static void clear(ByteBuffer frame, int at) {
        frame.putLong(at, 0);
        frame.putShort(at + 8, (short) 0);
    }

    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) | (b.get(at + 1) & 0xff) << 8;
    }

    private static void putU16(ByteBuffer b, int at, int value) {
        b.put(at, (byte) value);
        b.put(at + 1, (byte) (value >>> 8));
    }
}
