package io.portcullis.routing.tun;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.portcullis.api.io.IoThreads;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link IoThreads} for tests without a transport: each thread polls its watched descriptors
 * (level-triggered, like an epoll loop) and runs the tasks it is given, so a test can write from
 * "transport thread" i and see on which thread the replies are read.
 */
final class PollingIoThreads implements IoThreads, AutoCloseable {

    private final Thread[] threads;
    private final List<List<PollWatch>> watches = new CopyOnWriteArrayList<>();
    private final List<ConcurrentLinkedQueue<Runnable>> tasks = new CopyOnWriteArrayList<>();
    private final AtomicLong[] passes;
    private volatile boolean stopped;

    PollingIoThreads(int count) {
        threads = new Thread[count];
        passes = new AtomicLong[count];
        for (int i = 0; i < count; i++) {
            watches.add(new CopyOnWriteArrayList<>());
            tasks.add(new ConcurrentLinkedQueue<>());
            passes[i] = new AtomicLong();
            int index = i;
            threads[i] = new Thread(() -> loop(index), "test-io-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    @Override
    public int count() {
        return threads.length;
    }

    @Override
    public int currentIndex() {
        for (int i = 0; i < threads.length; i++) {
            if (threads[i] == Thread.currentThread()) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Watch watch(int index, int fd, Runnable onReadable) throws IOException {
        if (stopped) {
            throw new IOException("test I/O threads stopped");
        }
        PollWatch watch = new PollWatch(index, fd, onReadable);
        watches.get(index).add(watch);
        return watch;
    }

    /** Runs a task on thread {@code index}. */
    void execute(int index, Runnable task) {
        tasks.get(index).add(task);
    }

    int activeWatches() {
        return watches.stream().mapToInt(List::size).sum();
    }

    private void loop(int index) {
        try (Memory set = new Memory(8L * 16)) {
            while (!stopped) {
                Runnable task;
                while ((task = tasks.get(index).poll()) != null) {
                    task.run();
                }
                List<PollWatch> mine = List.copyOf(watches.get(index));
                int n = Math.min(mine.size(), 16);
                for (int i = 0; i < n; i++) {
                    set.setInt(8L * i, mine.get(i).fd);
                    set.setShort(8L * i + 4, LibC.POLLIN);
                    set.setShort(8L * i + 6, (short) 0);
                }
                if (n == 0) {
                    sleepMillis(5);
                } else if (LibC.poll(Pointer.nativeValue(set), n, 5) > 0) {
                    for (int i = 0; i < n; i++) {
                        PollWatch w = mine.get(i);
                        if (set.getShort(8L * i + 6) != 0 && w.active) {
                            w.onReadable.run();
                        }
                    }
                }
                passes[index].incrementAndGet();
            }
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    private final class PollWatch implements Watch {
        final int index;
        final int fd;
        final Runnable onReadable;
        volatile boolean active = true;

        PollWatch(int index, int fd, Runnable onReadable) {
            this.index = index;
            this.fd = fd;
            this.onReadable = onReadable;
        }

        @Override
        public void close() {
            if (!active) {
                return;
            }
            active = false;
            watches.get(index).remove(this);
            if (threads[index] != Thread.currentThread()) {
                long seen = passes[index].get(); // the pass under way may still be in the callback
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (passes[index].get() < seen + 2 && !stopped && System.nanoTime() < deadline) {
                    sleepMillis(1);
                }
            }
        }

        @Override
        public boolean isActive() {
            return active && !stopped;
        }
    }
}
