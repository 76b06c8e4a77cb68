package io.portcullis.endpoint.authz;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Longest-prefix match for IPv4 in at most three array reads: a multibit trie with strides
 * 16, 8 and 8 (the DIR-16-8-8 layout of routers) and leaf pushing, i.e. every slot already holds
 * the answer for all addresses under it, so a lookup never backtracks and never compares keys.
 * <p>
 * All blocks live in one {@code int[]}: the root's 65,536 slots first, then 256-slot blocks. A
 * slot holds 0 (no rule), {@code id + 1} (the deciding set) or {@code ~offset} of its child block.
 * Memory is the root (256 KiB) plus at most two 1 KiB blocks per prefix longer than /16; about
 * 12 MiB for 10,000 random /16-/28 prefixes, less when they share /16s and /24s.
 */
final class Ipv4Trie {

    private static final int ROOT = 1 << 16;
    private static final int BLOCK = 1 << 8;

    private final int[] slots;

    Ipv4Trie(List<Prefix> prefixes) {
        int longerThan16 = 0;
        int longerThan24 = 0;
        for (Prefix p : prefixes) {
            longerThan16 += p.length() > 16 ? 1 : 0;
            longerThan24 += p.length() > 24 ? 1 : 0;
        }
        Builder builder = new Builder(ROOT + BLOCK * (longerThan16 + longerThan24));
        // Shortest first: a longer prefix then simply overwrites the slots it refines, and a new
        // child block starts as copies of the (shorter) answer its parent slot held.
        prefixes.stream().sorted(Comparator.comparingInt(Prefix::length)).forEach(builder::insert);
        this.slots = Arrays.copyOf(builder.slots, builder.used);
    }

    /** The deciding set id for {@code address}, or -1 when no rule covers it. */
    int lookup(int address) {
        int[] s = slots;
        int e = s[address >>> 16];
        if (e < 0) {
            e = s[~e + ((address >>> 8) & 0xff)];
            if (e < 0) {
                e = s[~e + (address & 0xff)];
            }
        }
        return e - 1;
    }

    /** Slots in use, for tests and sizing. */
    int slotCount() {
        return slots.length;
    }

    private static final class Builder {
        final int[] slots;
        int used = ROOT;

        Builder(int capacity) {
            slots = new int[capacity];
        }

        void insert(Prefix p) {
            int address = (int) (p.high() >>> 32);
            int value = p.id() + 1;
            int length = p.length();
            if (length <= 16) {
                fill(0, address >>> 16, 16 - length, value);
                return;
            }
            int block = child(0, address >>> 16);
            if (length <= 24) {
                fill(block, (address >>> 8) & 0xff, 24 - length, value);
                return;
            }
            block = child(block, (address >>> 8) & 0xff);
            fill(block, address & 0xff, 32 - length, value);
        }

        private void fill(int block, int index, int hostBits, int value) {
            Arrays.fill(slots, block + index, block + index + (1 << hostBits), value);
        }

        private int child(int block, int index) {
            int e = slots[block + index];
            if (e < 0) {
                return ~e;
            }
            int offset = used;
            used += BLOCK;
            Arrays.fill(slots, offset, offset + BLOCK, e);
            slots[block + index] = ~offset;
            return offset;
        }
    }
}
