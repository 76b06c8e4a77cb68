package io.portcullis.routing.tun.offload;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The Internet checksum (RFC 1071): the ones' complement sum of 16-bit big-endian words. Sums are
 * kept unfolded in a {@code long} so that pieces (pseudo-header, header, payload) add up cheaply,
 * and are folded to 16 bits once at the end.
 * <p>
 * The data path sums every TCP segment it makes or merges, so {@link #sum} reads eight bytes at a
 * time, little-endian from a byte array, and adds both 32-bit halves: a ones' complement sum does
 * not care how the words are grouped, only that carries come back in at the end, which the fold
 * does, and a sum of byte-swapped words is the byte-swapped sum, swapped back after the fold. C2
 * compiles that loop over an array about six times as fast as one of {@code ByteBuffer.getLong};
 * a direct buffer is copied into a per-thread array in pieces first, which is still faster. The
 * buffer's position, limit and order are never changed.
 */
public final class InternetChecksum {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int PIECE = 2048; // a multiple of 8
    private static final ThreadLocal<byte[]> PIECES = ThreadLocal.withInitial(() -> new byte[PIECE]);

    private InternetChecksum() {
    }

    /**
     * The sum of the bytes in {@code [from, to)} as 16-bit big-endian words, an odd last byte
     * padded with zero, folded to 16 bits (not inverted). Add sums of pieces that start at even
     * offsets of the checksummed data; fold or {@link #finish} the total.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= from <= to <= buffer.limit()}
     */
    public static long sum(ByteBuffer buffer, int from, int to) {
        Objects.checkFromToIndex(from, to, buffer.limit());
        int words = (to - from) & ~7;
        long sum = 0;
        if (buffer.hasArray()) {
            sum = eightByteWords(buffer.array(), buffer.arrayOffset() + from, words);
        } else {
            byte[] piece = PIECES.get();
            for (int done = 0; done < words; done += PIECE) {
                int n = Math.min(PIECE, words - done);
                buffer.get(from + done, piece, 0, n);
                sum += eightByteWords(piece, 0, n);
            }
        }
        for (int i = from + words; i < to; i += 2) {
            int low = buffer.get(i) & 0xff;
            // a little-endian word; an odd last byte is the high byte of a zero-padded big-endian one
            sum += i + 1 < to ? low | (buffer.get(i + 1) & 0xff) << 8 : low;
        }
        return Integer.reverseBytes(fold(sum)) >>> 16;
    }

    /** The unfolded sum of {@code length} (a multiple of 8) bytes from {@code from}, read little-endian. */
    private static long eightByteWords(byte[] array, int from, int length) {
        long sum = 0;
        int end = from + length;
        for (int i = from; i < end; i += 8) {
            long word = (long) LONGS.get(array, i);
            sum += (word >>> 32) + (word & 0xffffffffL);
        }
        return sum;
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
