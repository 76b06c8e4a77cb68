package io.portcullis.routing.tun;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Builds and parses IPv4/IPv6 UDP packets for tests. */
final class Packets {

    private Packets() {
    }

    record Udp(InetAddress source, int sourcePort, InetAddress destination, int destinationPort, byte[] payload) {
        String text() {
            return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] udp(InetAddress source, int sourcePort, InetAddress destination, int destinationPort, byte[] payload) {
        boolean v4 = source instanceof Inet4Address;
        int header = v4 ? 20 : 40;
        int udpLength = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(header + udpLength);
        if (v4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (header + udpLength)).putShort((short) 0)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0)
                    .put(source.getAddress()).put(destination.getAddress());
            b.putShort(10, (short) checksum(b.array(), 0, 20, 0));
        } else {
            b.putInt(0x60000000).putShort((short) udpLength).put((byte) 17).put((byte) 64)
                    .put(source.getAddress()).put(destination.getAddress());
        }
        b.putShort((short) sourcePort).putShort((short) destinationPort).putShort((short) udpLength).putShort((short) 0)
                .put(payload);
        long pseudo = sum(source.getAddress()) + sum(destination.getAddress()) + 17 + udpLength;
        int udpSum = checksum(b.array(), header, udpLength, pseudo);
        b.putShort(header + 6, (short) (udpSum == 0 ? 0xffff : udpSum));
        return b.array();
    }

    static Udp parseUdp(byte[] packet) {
        ByteBuffer b = ByteBuffer.wrap(packet);
        int version = (packet[0] & 0xff) >>> 4;
        int header;
        byte[] src, dst;
        int protocol;
        if (version == 4) {
            header = (packet[0] & 0x0f) * 4;
            protocol = packet[9] & 0xff;
            src = Arrays.copyOfRange(packet, 12, 16);
            dst = Arrays.copyOfRange(packet, 16, 20);
        } else if (version == 6) {
            header = 40;
            protocol = packet[6] & 0xff;
            src = Arrays.copyOfRange(packet, 8, 24);
            dst = Arrays.copyOfRange(packet, 24, 40);
        } else {
            return null;
        }
        if (protocol != 17 || packet.length < header + 8) {
            return null;
        }
        try {
            return new Udp(InetAddress.getByAddress(src), b.getShort(header) & 0xffff, InetAddress.getByAddress(dst),
                    b.getShort(header + 2) & 0xffff, Arrays.copyOfRange(packet, header + 8,
                    header + (b.getShort(header + 4) & 0xffff)));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long sum(byte[] bytes) {
        long sum = 0;
        for (int i = 0; i < bytes.length; i += 2) {
            sum += ((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff);
        }
        return sum;
    }

    private static int checksum(byte[] data, int offset, int length, long initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            int hi = data[offset + i] & 0xff;
            int lo = i + 1 < length ? data[offset + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
