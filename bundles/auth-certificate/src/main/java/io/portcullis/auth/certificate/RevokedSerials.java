package io.portcullis.auth.certificate;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The serial numbers one CRL revokes, with revocation time and reason, in a compact open-addressing
 * hash table: about 40 bytes per entry instead of ~150 for a {@code HashMap<BigInteger, ...>}, and
 * an O(1) lookup that allocates nothing. Serials are keyed by their two's-complement bytes, exactly
 * {@link BigInteger#toByteArray()}. Immutable once built.
 */
final class RevokedSerials {

    /** RFC 5280 CRLReason; -1 when the entry has none. */
    static final int NO_REASON = -1;
    static final int REMOVE_FROM_CRL = 8;

    private static final RevokedSerials EMPTY = new Builder().build();

    private final byte[] keys;
    private final int[] offsets;     // entry i occupies keys[offsets[i] .. offsets[i + 1])
    private final long[] revokedAt;  // seconds since the epoch
    private final byte[] reasons;
    private final int[] table;       // entry index + 1; 0 is empty
    private final int size;

    private RevokedSerials(byte[] keys, int[] offsets, long[] revokedAt, byte[] reasons, int[] table, int size) {
        this.keys = keys;
        this.offsets = offsets;
        this.revokedAt = revokedAt;
        this.reasons = reasons;
        this.table = table;
        this.size = size;
    }

    static RevokedSerials empty() {
        return EMPTY;
    }

    int size() {
        return size;
    }

    /** The entry of {@code serial}, or -1 if it is not revoked. */
    int find(BigInteger serial) {
        byte[] key = serial.toByteArray();
        return find(key, 0, key.length);
    }

    int find(byte[] key, int offset, int length) {
        int mask = table.length - 1;
        int slot = hash(key, offset, length) & mask;
        while (true) {
            int entry = table[slot];
            if (entry == 0) {
                return -1;
            }
            int i = entry - 1;
            int from = offsets[i];
            if (offsets[i + 1] - from == length
                    && Arrays.equals(keys, from, from + length, key, offset, offset + length)) {
                return i;
            }
            slot = (slot + 1) & mask;
        }
    }

    long revokedAtEpochSecond(int entry) {
        return revokedAt[entry];
    }

    int reason(int entry) {
        return reasons[entry];
    }

    private static int hash(byte[] key, int offset, int length) {
        int h = 0x9E3779B9;
        for (int i = offset; i < offset + length; i++) {
            h = (h ^ key[i]) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return h;
    }

    /** Collects entries as the parser meets them; duplicates keep the first. */
    static final class Builder {
        private byte[] keys = new byte[1024];
        private int keyBytes;
        private int[] offsets = new int[65];
        private long[] revokedAt = new long[64];
        private byte[] reasons = new byte[64];
        private int count;

        /** Adds a serial given as INTEGER content bytes (normalised to minimal two's complement). */
        void add(byte[] source, int offset, int length, long revokedAtEpochSecond, int reason) {
            // Drop redundant sign bytes a sloppy encoder may have left, so keys match toByteArray().
            while (length > 1 && ((source[offset] == 0 && source[offset + 1] >= 0)
                    || (source[offset] == -1 && source[offset + 1] < 0))) {
                offset++;
                length--;
            }
            if (keyBytes + length > keys.length) {
                keys = Arrays.copyOf(keys, Math.max(keys.length * 2, keyBytes + length));
            }
            if (count == revokedAt.length) {
                int capacity = count * 2;
                offsets = Arrays.copyOf(offsets, capacity + 1);
                revokedAt = Arrays.copyOf(revokedAt, capacity);
                reasons = Arrays.copyOf(reasons, capacity);
            }
            System.arraycopy(source, offset, keys, keyBytes, length);
            offsets[count] = keyBytes;
            keyBytes += length;
            offsets[count + 1] = keyBytes;
            revokedAt[count] = revokedAtEpochSecond;
            reasons[count] = (byte) reason;
            count++;
        }

        int count() {
            return count;
        }

        RevokedSerials build() {
            int capacity = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
            int[] table = new int[capacity];
            int mask = capacity - 1;
            int unique = 0;
            for (int i = 0; i < count; i++) {
                int from = offsets[i];
                int length = offsets[i + 1] - from;
                int slot = hash(keys, from, length) & mask;
                boolean duplicate = false;
                while (table[slot] != 0) {
                    int j = table[slot] - 1;
                    int other = offsets[j];
                    if (offsets[j + 1] - other == length
                            && Arrays.equals(keys, other, other + length, keys, from, from + length)) {
                        duplicate = true;
                        break;
                    }
                    slot = (slot + 1) & mask;
                }
                if (!duplicate) {
                    table[slot] = i + 1;
                    unique++;
                }
            }
            return new RevokedSerials(Arrays.copyOf(keys, keyBytes), Arrays.copyOf(offsets, count + 1),
                    Arrays.copyOf(revokedAt, count), Arrays.copyOf(reasons, count), table, unique);
        }
    }
}
