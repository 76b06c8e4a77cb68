package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones' complement sum of 16-bit big-endian words. Sums are
 * kept unfolded in a {@code long} so that pieces (pseudo-header, header, payload) add up cheaply,
 * and are folded to 16 bits once at the end.
 * <p>
 * The data path sums every TCP segment it makes or merges, so {@link #sum} reads eight bytes at a
 * time and adds both 32-bit halves: a ones' complement sum does not care how the words are grouped,
 * only that carries come back in at the end, which the fold does. It works in either buffer byte
 * order (a little-endian read sums byte-swapped words, swapped back after the fold) and never
 * changes the buffer's position, limit or order.
 */
public final class InternetChecksum {

    private InternetChecksum() {
    }

    /**
     * The sum of the bytes in {@code [from, to)} as 16-bit big-endian words, an odd last byte
     * padded with zero, folded to 16 bits (not inverted). Add sums of pieces that start at even
     * offsets of the checksummed data; fold or {@link #finish} the total.
     */
    public static long sum(ByteBuffer buffer, int from, int to) {
        long sum = 0;
        int i = from;
        for (; i + 32 <= to; i += 32) {
            long a = buffer.getLong(i);
            long b = buffer.getLong(i + 8);
            long c = buffer.getLong(i + 16);
            long d = buffer.getLong(i + 24);
            sum += (a >>> 32) + (a & 0xffffffffL) + (b >>> 32) + (b & 0xffffffffL)
                    + (c >>> 32) + (c & 0xffffffffL) + (d >>> 32) + (d & 0xffffffffL);
        }
        for (; i + 8 <= to; i += 8) {
            long a = buffer.getLong(i);
            sum += (a >>> 32) + (a & 0xffffffffL);
        }
        boolean bigEndian = buffer.order() == ByteOrder.BIG_ENDIAN;
        if (i + 4 <= to) {
            sum += buffer.getInt(i) & 0xffffffffL;
            i += 4;
        }
        if (i + 2 <= to) {
            sum += buffer.getShort(i) & 0xffff;
            i += 2;
        }
        if (i < to) {
            int last = buffer.get(i) & 0xff; // the high byte of a zero-padded word
            sum += bigEndian ? last << 8 : last;
        }
        int folded = fold(sum);
        return bigEndian ? folded : Integer.reverseBytes(folded) >>> 16;
    }

    /** The sum of the IPv4 (TCP/UDP) or IPv6 pseudo-header of an IP packet starting at {@code ip}. */
    public static long pseudoHeader(ByteBuffer packet, int ip, boolean ipv6, int protocol, int transportLength) {
        long addresses = ipv6 ? sum(packet, ip + 8, ip + 40) : sum(packet, ip + 12, ip + 20);
        return addresses + protocol + transportLength;
    }

    /** Writes a fresh header checksum into the IPv4 header of {@code headerLength} bytes at {@code ip}. */
    public static void setIpv4HeaderChecksum(ByteBuffer packet, int ip, int headerLength) {
        NetworkOrder.putU16(packet, ip + 10, 0);
        NetworkOrder.putU16(packet, ip + 10, finish(sum(packet, ip, ip + headerLength)));
    }

    /** Folds a sum to 16 bits with end-around carry. */
    public static int fold(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /** The checksum to store: the inverted fold. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }
}
