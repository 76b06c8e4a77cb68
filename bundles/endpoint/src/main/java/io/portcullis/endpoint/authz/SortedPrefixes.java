package io.portcullis.endpoint.authz;

import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The prefixes of one family sorted by address (unsigned), then length. The prefixes inside a
 * network are then one run starting at the network's address: used when pushing routes, not per
 * packet.
 */
final class SortedPrefixes {

    private final long[] high;
    private final long[] low;
    private final int[] length;
    private final int[] id;

    SortedPrefixes(List<Prefix> prefixes) {
        List<Prefix> sorted = prefixes.stream()
                .sorted(Comparator.comparing(Prefix::high, Long::compareUnsigned)
                        .thenComparing(Prefix::low, Long::compareUnsigned)
                        .thenComparingInt(Prefix::length))
                .toList();
        int n = sorted.size();
        high = new long[n];
        low = new long[n];
        length = new int[n];
        id = new int[n];
        for (int i = 0; i < n; i++) {
            Prefix p = sorted.get(i);
            high[i] = p.high();
            low[i] = p.low();
            length[i] = p.length();
            id[i] = p.id();
        }
    }

    /**
     * Whether {@code test} accepts the set id of some prefix strictly inside the network
     * {@code (networkHigh, networkLow)/networkLength} of a family {@code width} bits wide.
     */
    boolean anyStrictlyInside(long networkHigh, long networkLow, int networkLength, int width, IntPredicate test) {
        long lastHigh = networkHigh | (~AddressBits.maskHigh(networkLength) & AddressBits.maskHigh(width));
        long lastLow = networkLow | (~AddressBits.maskLow(networkLength) & AddressBits.maskLow(width));
        // A prefix whose address lies in the network is inside it unless it is shorter, which
        // only a prefix at the network's own address can be: the length check covers both.
        for (int i = firstAtOrAfter(networkHigh, networkLow); i < high.length && compare(high[i], low[i], lastHigh, lastLow) <= 0; i++) {
            if (length[i] > networkLength && test.test(id[i])) {
                return true;
            }
        }
        return false;
    }

    private int firstAtOrAfter(long h, long l) {
        int from = 0;
        int to = high.length;
        while (from < to) {
            int mid = (from + to) >>> 1;
            if (compare(high[mid], low[mid], h, l) < 0) {
                from = mid + 1;
            } else {
                to = mid;
            }
        }
        return from;
    }

    private static int compare(long h1, long l1, long h2, long l2) {
        int c = Long.compareUnsigned(h1, h2);
        return c != 0 ? c : Long.compareUnsigned(l1, l2);
    }
}
