package io.portcullis.endpoint.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One daemon thread that runs each {@link Alarm}'s action once its deadline is due, and sleeps until
 * the earliest deadline otherwise: idle alarms cost nothing, however many there are.
 * <p>
 * Deadlines are {@link System#nanoTime} instants, rounded up to the resolution so that alarms due
 * close together run in one wake-up. An alarm has at most one pending deadline: an earlier one
 * replaces it, a later one is ignored, because whoever runs at the earlier deadline schedules the next.
 */
final class DeadlineTimer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeadlineTimer.class.getName());
    // An action stuck in I/O must not hang close() forever; it is left to finish on its own.
    private static final long CLOSE_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private final long resolutionNanos;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition headChanged = lock.newCondition();
    // A binary min-heap of the pending alarms by deadline; each alarm knows its index in it, so an
    // earlier deadline is a sift rather than a search, and a cancellation a removal in place.
    private Alarm[] heap = new Alarm[64];
    private int size;
    private volatile boolean closed;

    DeadlineTimer(String threadName, Duration resolution) {
        this.resolutionNanos = resolution.toNanos();
        if (resolutionNanos <= 0) {
            throw new IllegalArgumentException("resolution must be positive: " + resolution);
        }
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** A new alarm with nothing pending; {@code action} runs on the timer's thread. */
    Alarm alarm(Runnable action) {
        return new Alarm(action);
    }

    /** Pending alarms (for tests and diagnostics). */
    int pending() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the thread and drops every pending deadline; no action starts after this returns
     * (unless it is called from an action, which then finishes). Later schedules are ignored.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (int i = 0; i < size; i++) {
                heap[i].index = -1;
            }
            Arrays.fill(heap, 0, size, null);
            size = 0;
            headChanged.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Something to wake at a deadline; schedule it again from its action for the next one. */
    final class Alarm {

        private final Runnable action;
        private long deadline;
        private int index = -1; // in the heap; -1 while nothing is pending

        private Alarm(Runnable action) {
            this.action = action;
        }

        /**
         * Runs the action at {@code deadlineNanos} (a {@link System#nanoTime} instant, up to one resolution
         * late), unless an earlier deadline is already pending. A deadline in the past runs at the next
         * wake-up.
         */
        void schedule(long deadlineNanos) {
            long due = roundUp(deadlineNanos);
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                if (index < 0) {
                    deadline = due;
                    add(this);
                } else if (due - deadline < 0) {
                    deadline = due;
                    siftUp(index);
                } else {
                    return; // the earlier deadline stands
                }
                if (index == 0) {
                    headChanged.signal(); // the thread sleeps until the old head: too long now
                }
            } finally {
                lock.unlock();
            }
        }

        /** Drops the pending deadline, if any. */
        void cancel() {
            lock.lock();
            try {
                if (index >= 0) {
                    removeAt(index);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private long roundUp(long nanos) {
        long past = Math.floorMod(nanos, resolutionNanos);
        return past == 0 ? nanos : nanos + (resolutionNanos - past);
    }

    private void run() {
        List<Alarm> due = new ArrayList<>();
        while (true) {
            lock.lock();
            try {
                long now = System.nanoTime();
                while (!closed && (size == 0 || heap[0].deadline - now > 0)) {
                    if (size == 0) {
                        headChanged.awaitUninterruptibly();
                    } else {
                        headChanged.awaitNanos(heap[0].deadline - now);
                    }
                    now = System.nanoTime();
                }
                if (closed) {
                    return;
                }
                while (size > 0 && heap[0].deadline - now <= 0) {
                    Alarm alarm = heap[0];
                    removeAt(0);
                    due.add(alarm);
                }
            } catch (InterruptedException e) {
                return; // nobody interrupts this thread but a shutdown of the whole VM
            } finally {
                lock.unlock();
            }
            // Outside the lock: actions schedule alarms, and other threads must not wait on an action.
            for (Alarm alarm : due) {
                if (closed) {
                    return;
                }
                try {
                    alarm.action.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "timer action failed", e);
                }
            }
            due.clear();
        }
    }

    // ---- the heap, under the lock; deadlines compare by difference, as nanoTime instants must ----

    private void add(Alarm alarm) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = alarm;
        alarm.index = size;
        size++;
        siftUp(alarm.index);
    }

    private void removeAt(int i) {
        Alarm removed = heap[i];
        removed.index = -1;
        size--;
        if (i == size) {
            heap[size] = null;
            return;
        }
        Alarm last = heap[size];
        heap[size] = null;
        heap[i] = last;
        last.index = i;
        siftDown(i);
        if (last.index == i) {
            siftUp(i);
        }
    }

    private void siftUp(int i) {
        Alarm alarm = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Alarm above = heap[parent];
            if (alarm.deadline - above.deadline >= 0) {
                break;
            }
            heap[i] = above;
            above.index = i;
            i = parent;
        }
        heap[i] = alarm;
        alarm.index = i;
    }

    private void siftDown(int i) {
        Alarm alarm = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1].deadline - heap[child].deadline < 0) {
                child++;
            }
            Alarm below = heap[child];
            if (below.deadline - alarm.deadline >= 0) {
                break;
            }
            heap[i] = below;
            below.index = i;
            i = child;
        }
        heap[i] = alarm;
        alarm.index = i;
    }
}
