package io.portcullis.transport.udp;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import io.portcullis.api.io.IoThreads;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The transport's epoll event loops lent to a routing engine: a watched descriptor joins the loop's
 * epoll set (level-triggered EPOLLIN) next to the loop's UDP sockets, through Netty's public
 * {@link io.netty.channel.IoHandle} API, so that its callback runs on the loop between the reads
 * of those sockets.
 */
final class EpollLoopThreads implements IoThreads {

    private static final Logger LOG = Logger.getLogger(EpollLoopThreads.class.getName());

    /** How long a thread outside the loop waits for the loop to register or drop a descriptor. */
    static final long WAIT_MILLIS = 5000;

    private final List<IoEventLoop> loops;
    // (loop, fd) of every watch until its loop dropped it. Netty 4.2.18 checks no descriptor twice in
    // one loop (it would quietly replace the first registration, or fail an assertion): this does.
    private final ConcurrentHashMap<Long, EpollWatch> watching = new ConcurrentHashMap<>();

    EpollLoopThreads(List<IoEventLoop> loops) {
        this.loops = List.copyOf(loops);
    }

    @Override
    public int count() {
        return loops.size();
    }

    @Override
    public int currentIndex() {
        for (int i = 0; i < loops.size(); i++) {
            if (loops.get(i).inEventLoop()) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Watch watch(int index, int fd, Runnable onReadable) throws IOException {
        Objects.checkIndex(index, loops.size());
        Objects.requireNonNull(onReadable, "onReadable");
        if (fd < 0) {
            throw new IllegalArgumentException("fd: " + fd + " is not a file descriptor");
        }
        IoEventLoop loop = loops.get(index);
        if (loop.isShuttingDown()) {
            throw new IOException("cannot watch fd " + fd + " on UDP event loop " + index
                    + ": the UDP transport is stopping");
        }
        EpollWatch watch = new EpollWatch(index, loop, fd, onReadable);
        EpollWatch earlier = watching.putIfAbsent(watch.key, watch);
        if (earlier != null) {
            throw new IOException("cannot watch fd " + fd + " on UDP event loop " + index
                    + ": it is watched there already (" + (earlier.closed.get()
                    ? "closed, but the loop has not dropped it yet" : "still open") + ")");
        }
        Future<IoRegistration> registered;
        try {
            registered = loop.register(watch.handle()); // inline on the loop itself, else a task for it
        } catch (RejectedExecutionException e) {
            watch.release();
            throw new IOException("cannot watch fd " + fd + " on UDP event loop " + index
                    + ": the UDP transport is stopping", e);
        }
        if (loop.inEventLoop()) {
            if (registered.isDone()) {
                watch.registered(registered);
            } else {
                // Not how Netty 4.2 does it, but a loop must never wait for itself: report what comes later.
                registered.addListener(f -> watch.registered(registered));
                return watch;
            }
        } else {
            registered.addListener(f -> watch.registered(registered)); // runs on the loop
        }
        watch.awaitRegistration();
        return watch;
    }

    /** One watched descriptor: the caller's {@link Watch}, holding the {@link EpollIoHandle} Netty sees. */
    private final class EpollWatch implements Watch {

        final Long key;
        private final int index;
        private final IoEventLoop loop;
        private final Runnable onReadable;
        private final Handle handle;
        private final CompletableFuture<Void> ready = new CompletableFuture<>();
        final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean loopGone; // Netty closed the handle: its loop is shutting down
        private volatile IoRegistration registration; // set on the loop once EPOLLIN is asked for
        private boolean failureLogged; // loop only

        EpollWatch(int index, IoEventLoop loop, int fd, Runnable onReadable) {
            this.index = index;
            this.loop = loop;
            this.onReadable = onReadable;
            this.handle = new Handle(new FileDescriptor(fd));
            this.key = ((long) index << 32) | fd;
        }

        /** The loop dropped the descriptor (or never took it): it may be watched there again. */
        void release() {
            watching.remove(key, this);
        }

        Handle handle() {
            return handle;
        }

        private int fd() {
            return handle.fd.intValue();
        }

        /** On the loop, once Netty has added the descriptor to its epoll set (interested in errors only). */
        void registered(Future<IoRegistration> result) {
            if (!result.isSuccess()) {
                release();
                ready.completeExceptionally(new IOException("cannot watch fd " + fd() + " on UDP event loop "
                        + index + ": " + result.cause(), result.cause()));
                return;
            }
            IoRegistration reg = result.getNow();
            if (closed.get() || loopGone) {
                reg.cancel(); // closed while the registration was under way (or the wait for it timed out)
                release();
                ready.completeExceptionally(new IOException("cannot watch fd " + fd() + " on UDP event loop "
                        + index + ": " + (loopGone ? "the UDP transport is stopping" : "closed before it started")));
                return;
            }
            try {
                reg.submit(EpollIoOps.EPOLLIN); // level-triggered: no EPOLLET
            } catch (RuntimeException e) {
                reg.cancel();
                release();
                ready.completeExceptionally(new IOException("cannot watch fd " + fd()
                        + " for reading on UDP event loop " + index + ": " + e.getMessage(), e));
                return;
            }
            registration = reg;
            ready.complete(null);
        }

        /** From outside the loop: until {@link #registered} ran there, at most {@link #WAIT_MILLIS}. */
        void awaitRegistration() throws IOException {
            try {
                ready.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                closed.set(true);
                throw e.getCause() instanceof IOException io ? io
                        : new IOException("cannot watch fd " + fd() + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                abandon();
                throw new IOException("cannot watch fd " + fd() + ": UDP event loop " + index
                        + " did not register it within " + WAIT_MILLIS + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon();
                InterruptedIOException failure = new InterruptedIOException("interrupted while UDP event loop "
                        + index + " registered fd " + fd());
                failure.initCause(e);
                throw failure;
            }
        }

        /** Closes without waiting: a registration under way is dropped when it arrives, one done by a task after it. */
        private void abandon() {
            closed.set(true);
            try {
                loop.execute(this::cancel);
            } catch (RejectedExecutionException e) {
                // shut down: Netty drops the registration itself
            }
        }

        void readable() {
            if (closed.get() || loopGone) {
                return;
            }
            try {
                onReadable.run();
            } catch (RuntimeException e) {
                if (!failureLogged) {
                    failureLogged = true;
                    LOG.log(Level.WARNING, "the callback for fd " + fd() + " on UDP event loop " + index
                            + " failed (logged once per watch; it is called again while data remains)", e);
                }
            }
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            if (loop.inEventLoop()) {
                cancel(); // no callback runs now but, perhaps, the caller's own: the one allowed exception
                return;
            }
            if (loop.isShutdown()) {
                return; // no task runs there any more, nor any callback
            }
            CountDownLatch cancelled = new CountDownLatch(1);
            try {
                loop.execute(() -> {
                    cancel();
                    cancelled.countDown();
                });
            } catch (RejectedExecutionException e) {
                return; // shut down meanwhile
            }
            // The task runs between two callbacks of this loop: once it ran, none is running or will start.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            boolean interrupted = false;
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.warning(() -> "UDP event loop " + index + " did not drop fd " + fd()
                                + " within " + WAIT_MILLIS + " ms of its watch being closed");
                        return;
                    }
                    try {
                        if (cancelled.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS)
                                || loop.isTerminated()) {
                            return;
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** On the loop. Before the registration arrived, {@link #registered} cancels it on arrival instead. */
        private void cancel() {
            IoRegistration reg = registration;
            if (reg != null) {
                registration = null;
                reg.cancel(); // out of the epoll set now: the descriptor may be closed once close() returns
                release();
            }
        }

        @Override
        public boolean isActive() {
            return registration != null && !closed.get() && !loopGone && !loop.isShuttingDown();
        }

        @Override
        public String toString() {
            return "watch of fd " + fd() + " on UDP event loop " + index;
        }

        /** What Netty sees; its calls all come on the loop. */
        private final class Handle implements EpollIoHandle {

            // Only for Netty to learn the number from: never closed here, the descriptor stays the caller's.
            final FileDescriptor fd;

            Handle(FileDescriptor fd) {
                this.fd = fd;
            }

            @Override
            public FileDescriptor fd() {
                return fd;
            }

            @Override
            public void handle(IoRegistration reg, IoEvent event) {
                // Any event counts, EPOLLERR or EPOLLHUP without EPOLLIN too: the caller's read surfaces the error.
                readable();
            }

            /** The loop is shutting down and has dropped the registration. The descriptor stays open. */
            @Override
            public void close() {
                loopGone = true;
                release();
            }
        }
    }
}
