package io.portcullis.endpoint.authz;

import java.util.Arrays;
import java.util.List;

/**
 * Longest-prefix match by one open-addressing hash table per prefix length present, probed from
 * the longest length down; the first hit is the answer. A lookup costs one probe per distinct
 * length (IPv6 configurations use a handful: /0, /32, /48, /56, /64, /128), memory is linear in
 * the prefixes however long they are, which a multibit trie over 128 bits could not promise.
 * All lengths share flat arrays, so a probe touches no objects. Keys are {@link AddressBits}.
 */
final class PrefixHashTable {

    private final int[] lengths;   // distinct lengths, longest first
    private final long[] maskHigh; // per length
    private final long[] maskLow;
    private final int[] base;      // per length: its first slot
    private final int[] slotMask;  // per length: its slot count - 1 (a power of two)
    private final long[] keyHigh;  // per slot
    private final long[] keyLow;
    private final int[] value;     // per slot: set id + 1, 0 = empty

    PrefixHashTable(List<Prefix> prefixes) {
        int[] count = new int[129];
        for (Prefix p : prefixes) {
            count[p.length()]++;
        }
        int distinct = (int) Arrays.stream(count).filter(c -> c > 0).count();
        lengths = new int[distinct];
        maskHigh = new long[distinct];
        maskLow = new long[distinct];
        base = new int[distinct];
        slotMask = new int[distinct];
        int[] slotOfLength = new int[129];
        int slots = 0;
        for (int length = 128, k = 0; length >= 0; length--) {
            if (count[length] == 0) {
                continue;
            }
            int capacity = Integer.highestOneBit(count[length]) * 4; // load factor at most 1/2
            lengths[k] = length;
            maskHigh[k] = AddressBits.maskHigh(length);
            maskLow[k] = AddressBits.maskLow(length);
            base[k] = slots;
            slotMask[k] = capacity - 1;
            slotOfLength[length] = k++;
            slots += capacity;
        }
        keyHigh = new long[slots];
        keyLow = new long[slots];
        value = new int[slots];
        for (Prefix p : prefixes) {
            int k = slotOfLength[p.length()];
            int i = hash(p.high(), p.low()) & slotMask[k];
            while (value[base[k] + i] != 0) {
                i = (i + 1) & slotMask[k];
            }
            keyHigh[base[k] + i] = p.high();
            keyLow[base[k] + i] = p.low();
            value[base[k] + i] = p.id() + 1;
        }
    }

    /** The set id of the longest prefix containing the address, or -1. */
    int lookup(long high, long low) {
        return lookup(high, low, 128);
    }

    /** The set id of the longest prefix of at most {@code maxLength} bits containing the address, or -1. */
    int lookup(long high, long low, int maxLength) {
        for (int k = 0; k < lengths.length; k++) {
            if (lengths[k] > maxLength) {
                continue;
            }
            long h = high & maskHigh[k];
            long l = low & maskLow[k];
            int b = base[k];
            int m = slotMask[k];
            for (int i = hash(h, l) & m; ; i = (i + 1) & m) {
                int v = value[b + i];
                if (v == 0) {
                    break;
                }
                if (keyHigh[b + i] == h && keyLow[b + i] == l) {
                    return v - 1;
                }
            }
        }
        return -1;
    }

    private static int hash(long high, long low) {
        long h = high * 0x9E3779B97F4A7C15L + low;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }
}
