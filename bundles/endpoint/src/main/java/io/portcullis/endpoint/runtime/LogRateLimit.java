package io.portcullis.endpoint.runtime;

/** At most {@code permits} log lines per {@code windowNanos}; the rest are only counted elsewhere. */
final class LogRateLimit {

    private final int permits;
    private final long windowNanos;
    private long windowStart;
    private int used;

    LogRateLimit(int permits, long windowNanos) {
        this.permits = permits;
        this.windowNanos = windowNanos;
    }

    synchronized boolean tryAcquire(long nowNanos) {
        if (nowNanos - windowStart >= windowNanos) {
            windowStart = nowNanos;
            used = 0;
        }
        return used++ < permits;
    }
}
