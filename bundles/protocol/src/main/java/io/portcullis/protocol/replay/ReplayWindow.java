package io.portcullis.protocol.replay;

import java.util.concurrent.TimeUnit;

/**
 * Sliding-window replay check for 32-bit packet ids, as OpenVPN's {@code --replay-window n t}.
 * <p>
 * An id is accepted if it is non-zero and either higher than any seen so far, or within
 * {@code size} below the highest and not yet seen. With a time backtrack {@code t > 0}, an
 * unseen id is also refused once any higher id was received more than {@code t} ago
 * (OpenVPN's reaping: late packets may be out of order, but not arbitrarily late).
 * Time is injected as monotonic nanoseconds. Not thread-safe.
 */
public final class ReplayWindow {

    public static final int DEFAULT_SIZE = 64;
    public static final long DEFAULT_TIME_BACKTRACK_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final int size;
    private final long timeBacktrackNanos;
    private final boolean[] seen;
    private final long[] receivedAt;
    private long highest;

    /** OpenVPN's default window: 64 packets, 15 seconds. */
    public ReplayWindow() {
        this(DEFAULT_SIZE, DEFAULT_TIME_BACKTRACK_NANOS);
    }

    /**
     * @param size number of ids below the highest that may still arrive out of order (≥ 1)
     * @param timeBacktrackNanos how long an out-of-order id may lag; 0 disables the time rule
     */
    public ReplayWindow(int size, long timeBacktrackNanos) {
        if (size < 1 || size > 65536) {
            throw new IllegalArgumentException("window size must be 1..65536");
        }
        if (timeBacktrackNanos < 0) {
            throw new IllegalArgumentException("negative time backtrack");
        }
        this.size = size;
        this.timeBacktrackNanos = timeBacktrackNanos;
        this.seen = new boolean[size];
        this.receivedAt = new long[size];
    }

    /** Whether {@link #tryAccept} would accept this id now, without recording it. */
    public boolean wouldAccept(long id, long nowNanos) {
        if (id <= 0 || id > 0xFFFF_FFFFL) {
            return false;
        }
        if (id > highest) {
            return true;
        }
        long diff = highest - id;
        if (diff >= size) {
            return false;
        }
        if (seen[slot(id)]) {
            return false;
        }
        return !expired(id, nowNanos);
    }

    /** Checks the id and, if acceptable, records it as seen. Call only after authentication. */
    public boolean tryAccept(long id, long nowNanos) {
        if (!wouldAccept(id, nowNanos)) {
            return false;
        }
        if (id > highest) {
            long advance = Math.min(id - highest, size);
            for (long i = 1; i <= advance; i++) {
                int s = slot(highest + i);
                seen[s] = false;
            }
            highest = id;
        }
        int s = slot(id);
        seen[s] = true;
        receivedAt[s] = nowNanos;
        return true;
    }

    /** Highest id accepted so far (0 if none). */
    public long highest() {
        return highest;
    }

    public int size() {
        return size;
    }

    /** Forgets everything, e.g. when a long-form time epoch moves forward. */
    public void reset() {
        java.util.Arrays.fill(seen, false);
        highest = 0;
    }

    // An unseen id is stale once any higher id in the window arrived longer ago than the backtrack.
    private boolean expired(long id, long nowNanos) {
        if (timeBacktrackNanos == 0) {
            return false;
        }
        for (long j = id + 1; j <= highest; j++) {
            int s = slot(j);
            if (seen[s] && nowNanos - receivedAt[s] > timeBacktrackNanos) {
                return true;
            }
        }
        return false;
    }

    private int slot(long id) {
        return (int) (id % size);
    }
}
