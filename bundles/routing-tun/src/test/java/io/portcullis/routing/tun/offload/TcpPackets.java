package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds IPv4 and IPv6 TCP packets for tests, with checksums from a plain byte-by-byte reference
 * implementation that shares no code with {@link InternetChecksum}.
 */
public final class TcpPackets {

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int CWR = 0x80;

    public static final byte[] V4_SOURCE = {100, 64, 1, 2};
    public static final byte[] V4_DESTINATION = {(byte) 192, 0, 2, 10};
    public static final byte[] V6_SOURCE = bytes("fd00000000000000000000000000beef");
    public static final byte[] V6_DESTINATION = bytes("20010db8000000000000000000000010");

    private TcpPackets() {
    }

    /** One TCP segment's fields; {@link #build()} makes the packet with correct lengths and checksums. */
    public static final class Segment {
        public boolean ipv6;
        public byte[] source = V4_SOURCE;
        public byte[] destination = V4_DESTINATION;
        public int sourcePort = 40000;
        public int destinationPort = 5201;
        public long sequence = 0xfffff000L; // wraps within a few segments
        public long acknowledgement = 0x12345678L;
        public int flags = ACK;
        public int window = 502;
        public byte[] options = new byte[0];
        public int urgent;
        public byte[] payload = new byte[0];
        public int id = 0xfffe; // wraps too
        public int tos;
        public int ttl = 64;
        public int fragment = 0x4000; // DF
        public int ipOptionWords;
        public int flowLabel = 0x12345;
        public int trafficClass;

        public Segment v6() {
            ipv6 = true;
            source = V6_SOURCE;
            destination = V6_DESTINATION;
            return this;
        }

        public Segment copy() {
            Segment s = new Segment();
            s.ipv6 = ipv6;
            s.source = source;
            s.destination = destination;
            s.sourcePort = sourcePort;
            s.destinationPort = destinationPort;
            s.sequence = sequence;
            s.acknowledgement = acknowledgement;
            s.flags = flags;
            s.window = window;
            s.options = options;
            s.urgent = urgent;
            s.payload = payload;
            s.id = id;
            s.tos = tos;
            s.ttl = ttl;
            s.fragment = fragment;
            s.ipOptionWords = ipOptionWords;
            s.flowLabel = flowLabel;
            s.trafficClass = trafficClass;
            return s;
        }

        /** The segment that follows this one, carrying {@code payload}. */
        public Segment next(byte[] payload) {
            Segment s = copy();
            s.sequence = (sequence + this.payload.length) & 0xffffffffL;
            s.id = (id + 1) & 0xffff;
            s.payload = payload;
            return s;
        }

        public byte[] build() {
            int ipLength = ipv6 ? 40 : 20 + 4 * ipOptionWords;
            int tcpLength = 20 + options.length;
            int total = ipLength + tcpLength + payload.length;
            ByteBuffer b = ByteBuffer.allocate(total);
            if (ipv6) {
                b.putInt(6 << 28 | trafficClass << 20 | flowLabel).putShort((short) (total - 40)).put((byte) 6)
                        .put((byte) ttl).put(source).put(destination);
            } else {
                b.put((byte) (0x40 | ipLength / 4)).put((byte) tos).putShort((short) total).putShort((short) id)
                        .putShort((short) fragment).put((byte) ttl).put((byte) 6).putShort((short) 0)
                        .put(source).put(destination);
                for (int i = 0; i < ipOptionWords; i++) {
                    b.putInt(0x01010101); // NOPs
                }
                b.putShort(10, (short) reference(b.array(), 0, ipLength, 0));
            }
            b.putShort((short) sourcePort).putShort((short) destinationPort).putInt((int) sequence)
                    .putInt((int) acknowledgement).put((byte) (tcpLength / 4 << 4)).put((byte) flags)
                    .putShort((short) window).putShort((short) 0).putShort((short) urgent).put(options).put(payload);
            b.putShort(ipLength + 16, (short) reference(b.array(), ipLength, total - ipLength,
                    pseudo(source, destination, total - ipLength)));
            return b.array();
        }
    }

    public static long pseudo(byte[] source, byte[] destination, int length) {
        return words(source) + words(destination) + 6 + length;
    }

    private static long words(byte[] bytes) {
        long sum = 0;
        for (int i = 0; i < bytes.length; i += 2) {
            sum += (bytes[i] & 0xff) << 8 | (bytes[i + 1] & 0xff);
        }
        return sum;
    }

    /** The reference: ~(ones' complement sum of big-endian words, odd byte padded), one byte at a time. */
    public static int reference(byte[] data, int offset, int length, long initial) {
        long sum = initial;
        for (int i = 0; i < length; i++) {
            int b = data[offset + i] & 0xff;
            sum += (i & 1) == 0 ? b << 8 : b;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    public static boolean tcpChecksumValid(byte[] packet) {
        boolean v6 = (packet[0] & 0xf0) == 0x60;
        int ip = v6 ? 40 : (packet[0] & 0x0f) * 4;
        byte[] source = Arrays.copyOfRange(packet, v6 ? 8 : 12, v6 ? 24 : 16);
        byte[] destination = Arrays.copyOfRange(packet, v6 ? 24 : 16, v6 ? 40 : 20);
        return reference(packet, ip, packet.length - ip, pseudo(source, destination, packet.length - ip)) == 0;
    }

    public static boolean ipv4HeaderChecksumValid(byte[] packet) {
        return reference(packet, 0, (packet[0] & 0x0f) * 4, 0) == 0;
    }

    public static byte[] random(java.util.Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    public static byte[] bytes(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }

    public static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    public static long u32(byte[] b, int at) {
        return (long) u16(b, at) << 16 | u16(b, at + 2);
    }
}
