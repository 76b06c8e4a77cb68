package io.portcullis.protocol.wrap;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A few reusable instances of a JCA object that is not thread-safe (a keyed {@code Mac} or
 * {@code Cipher}), shared by every session of an endpoint. One set per session cost about 3 KiB
 * of heap per connected client for keys that are the same for all of them; borrowing keeps as
 * many sets as threads wrap at once. Control packets are rare, so the queue's allocation per
 * borrow does not matter.
 */
final class JcaInstances<T> {

    /** More than the I/O threads that can wrap at once; beyond it, extras are dropped. */
    private static final int KEPT = 16;

    private final Supplier<T> factory;
    private final ConcurrentLinkedQueue<T> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    JcaInstances(Supplier<T> factory) {
        this.factory = factory;
        give(factory.get()); // fail at construction, not on the first packet, if the JDK lacks the algorithm
    }

    T take() {
        T t = idle.poll();
        if (t == null) {
            return factory.get();
        }
        idleCount.decrementAndGet();
        return t;
    }

    /** Returns an instance in a reusable state (after doFinal, or re-initialised before each use). */
    void give(T t) {
        if (idleCount.incrementAndGet() <= KEPT) {
            idle.offer(t);
        } else {
            idleCount.decrementAndGet();
        }
    }
}
