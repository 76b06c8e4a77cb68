package io.portcullis.loadclient;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.keymethod.PeerInfo;
import io.portcullis.protocol.keymethod.SecretBytes;
import io.portcullis.protocol.session.ClientSessionConfig;
import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.function.LongUnaryOperator;

/**
 * One load run: the ramp (sessions started at {@code --rate} with at most {@code --concurrency}
 * handshakes in flight, spread over the I/O workers), the hold, and the teardown. The controller
 * runs on the calling thread; {@link #stop()} (any thread) cuts it short, with every socket closed.
 *
 * <p>Phase lines on the progress stream, for scripts that measure the server meanwhile:
 * {@code load-client: ramp started}, {@code load-client: ramp done}, {@code load-client: hold started},
 * with {@code --renegotiate} {@code load-client: renegotiation started} and {@code load-client:
 * renegotiation done} (the hold's seconds count from there, so its idle part stays idle),
 * {@code load-client: hold done}, {@code load-client: teardown done}.
 */
final class LoadRun {

    /** At most this many distinct reasons are kept per list (the rest are counted as "other"). */
    static final int MAX_REASONS = 5;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final LoadOptions options;
    private final List<ClientSessionConfig> configs;
    private final PrintStream progress;
    private final Semaphore inFlight;
    private final long[] latencyNanos;
    private final AtomicInteger established = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicLong lastResolvedNanos = new AtomicLong(Long.MIN_VALUE);
    private final ReasonCounter failureReasons = new ReasonCounter();
    private final ReasonCounter lostReasons = new ReasonCounter();
    private final Semaphore renegotiationsInFlight;
    private final AtomicLongArray renegotiationLatencyNanos;
    private final AtomicInteger renegotiated = new AtomicInteger();
    private final AtomicInteger renegotiationsFailed = new AtomicInteger();
    private final AtomicLong lastRenegotiationResolvedNanos = new AtomicLong(Long.MIN_VALUE);
    private final ReasonCounter renegotiationFailureReasons = new ReasonCounter();
    final LongAdder pingsSent = new LongAdder();
    final LongAdder dataPacketsReceived = new LongAdder();
    final LongAdder exitNotifiesSent = new LongAdder();
    final LongAdder sendBufferFull = new LongAdder();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean stopped;
    private volatile String fatal;

    LoadRun(LoadOptions options, List<TlsCredentials> credentials, ControlChannelProtection protection,
            PrintStream progress) {
        this.options = options;
        this.progress = progress;
        AeadAlgorithm cipher = AeadAlgorithm.byOpenVpnName(options.cipher())
                .orElseThrow(() -> new IllegalArgumentException("--cipher: unknown data cipher " + options.cipher()));
        PeerInfo peerInfo = peerInfo(cipher);
        List<ClientSessionConfig> list = new ArrayList<>();
        for (TlsCredentials c : credentials) {
            list.add(new ClientSessionConfig(protection, c, "", SecretBytes.EMPTY, peerInfo,
                    ClientSessionConfig.STOCK_OPTIONS, Duration.ofSeconds(options.timeoutSeconds()), Duration.ZERO));
        }
        this.configs = List.copyOf(list);
        this.inFlight = new Semaphore(options.concurrency());
        this.latencyNanos = new long[options.sessions()];
        Arrays.fill(latencyNanos, -1);
        this.renegotiationsInFlight = new Semaphore(options.concurrency());
        this.renegotiationLatencyNanos = new AtomicLongArray(options.renegotiations());
    }

    /**
     * What a stock 2.6 client sends, offering only {@code cipher}, without dynamic tls-crypt
     * ({@link ClientSessionConfig#IV_PROTO}); IV_GUI_VER names the load client.
     */
    static PeerInfo peerInfo(AeadAlgorithm cipher) {
        return PeerInfo.parse("IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\nIV_CIPHERS="
                + cipher.openVpnName() + "\nIV_PROTO=" + ClientSessionConfig.IV_PROTO + "\nIV_GUI_VER=portcullis-load-client\n");
    }

    InetSocketAddress server() {
        return options.server();
    }

    long handshakeTimeoutNanos() {
        return TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
    }

    /** Cuts the run short (Ctrl-C): no more sessions, no more waiting, a fast teardown. */
    void stop() {
        stopped = true;
        stopRequested.countDown();
    }

    // ---------------------------------------------------------------- from the workers

    void onEstablished(int index, long latency, long now) {
        latencyNanos[index] = latency; // published by the increment below
        established.incrementAndGet();
        resolved(now);
    }

    void onHandshakeFailed(int index, String reason, long now) {
        failureReasons.add(reason);
        failed.incrementAndGet();
        resolved(now);
    }

    void onLost(String reason) {
        lostReasons.add(reason);
        lost.incrementAndGet();
    }

    void onRenegotiated(long latency, long now) {
        int slot = renegotiated.getAndIncrement();
        if (slot < renegotiationLatencyNanos.length()) {
            renegotiationLatencyNanos.set(slot, latency);
        }
        renegotiationResolved(now);
    }

    void onRenegotiationFailed(String reason) {
        renegotiationFailureReasons.add(reason);
        renegotiationsFailed.incrementAndGet();
        renegotiationResolved(System.nanoTime());
    }

    private void renegotiationResolved(long now) {
        renegotiationsInFlight.release();
        lastRenegotiationResolvedNanos.accumulateAndGet(now, (a, b) -> a == Long.MIN_VALUE || b - a > 0 ? b : a);
    }

    void fatal(String message, Throwable e) {
        fatal = message;
        progress.println("load-client: " + message);
        stop();
    }

    /** Why an I/O thread died, or null. */
    String fatal() {
        return fatal;
    }

    private void resolved(long now) {
        inFlight.release();
        lastResolvedNanos.accumulateAndGet(now, (a, b) -> a == Long.MIN_VALUE || b - a > 0 ? b : a);
    }

    // ---------------------------------------------------------------- the controller

    LoadReport execute() throws IOException, InterruptedException {
        int n = options.sessions();
        Worker[] workers = new Worker[options.threads()];
        Thread[] threads = new Thread[workers.length];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, i);
            threads[i] = new Thread(workers[i], "load-client-io-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        String settings = settingsLine();
        progress.println("load-client: ramp started: " + n + " sessions to " + address() + " (" + settings + ")");
        double cpuRamp0 = ProcSelf.cpuSeconds();
        long rampStart = System.nanoTime();
        long rampDeadline = rampStart + TimeUnit.SECONDS.toNanos(options.rampTimeoutSeconds());
        long nextProgress = rampStart + PROGRESS_EVERY_NANOS;
        int started = 0;
        String notStartedBecause = null;
        ramp:
        for (int i = 0; i < n; i++) {
            while (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (stopped || System.nanoTime() - rampDeadline > 0) {
                    notStartedBecause = stopped ? "stopped" : "--ramp-timeout reached";
                    break ramp;
                }
                nextProgress = rampProgress(rampStart, started, nextProgress);
            }
            if (options.rate() > 0) {
                long at = rampStart + (long) (i * 1e9 / options.rate());
                for (long now = System.nanoTime(); at - now > 0 && !stopped; now = System.nanoTime()) {
                    LockSupport.parkNanos(Math.min(at - now, TimeUnit.MILLISECONDS.toNanos(50)));
                    nextProgress = rampProgress(rampStart, started, nextProgress);
                }
            }
            if (stopped || System.nanoTime() - rampDeadline > 0) {
                inFlight.release();
                notStartedBecause = stopped ? "stopped" : "--ramp-timeout reached";
                break;
            }
            workers[i % workers.length].start(i, configs.get(i % configs.size()));
            started++;
            nextProgress = rampProgress(rampStart, started, nextProgress);
        }
        int startedInRamp = started;
        awaitResolved(() -> established.get() + failed.get(), started,
                next -> rampProgress(rampStart, startedInRamp, next), nextProgress);
        long last = lastResolvedNanos.get();
        double rampSeconds = (last == Long.MIN_VALUE ? System.nanoTime() - rampStart : last - rampStart) / 1e9;
        double cpuRamp = ProcSelf.cpuSeconds() - cpuRamp0;
        int establishedAfterRamp = established.get();
        progress.printf(Locale.ROOT, "load-client: ramp done: %d established, %d failed of %d started in %.2f s"
                + " (%.1f handshakes/s)%s%n", establishedAfterRamp, failed.get(), started, rampSeconds,
                establishedAfterRamp / rampSeconds, notStartedBecause == null ? ""
                        : "; " + (n - started) + " not started: " + notStartedBecause);

        progress.println("load-client: hold started: " + (establishedAfterRamp - lost.get()) + " sessions for "
                + options.holdSeconds() + " s" + (options.renegotiations() > 0
                        ? ", after renegotiating " + options.renegotiations() + " of them" : ""));
        RenegotiationPhase renegotiation = options.renegotiations() > 0 ? renegotiateHeld(workers)
                : new RenegotiationPhase(0, Double.NaN, Double.NaN);
        double cpuHold0 = ProcSelf.cpuSeconds();
        long holdStart = System.nanoTime();
        long holdEnd = holdStart + TimeUnit.SECONDS.toNanos(options.holdSeconds());
        nextProgress = holdStart + PROGRESS_EVERY_NANOS;
        for (long now = System.nanoTime(); holdEnd - now > 0 && !stopped; now = System.nanoTime()) {
            stopRequested.await(Math.min(holdEnd - now, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            if (System.nanoTime() - nextProgress >= 0) {
                nextProgress += PROGRESS_EVERY_NANOS;
                progress.printf(Locale.ROOT, "load-client: holding, %.0f s left: %d lost so far, %d pings sent%n",
                        (holdEnd - System.nanoTime()) / 1e9, lost.get(), pingsSent.sum());
            }
        }
        int[] counts = snapshot(workers);
        int held = counts[0];
        double cpuHold = ProcSelf.cpuSeconds() - cpuHold0;
        long rss = ProcSelf.rssKiB();
        progress.println("load-client: hold done: " + held + " sessions held, " + lost.get() + " lost");

        int lostBeforeTeardown = lost.get();
        double exitRate = stopped ? 0 : options.exitRate();
        for (Worker w : workers) {
            w.teardown(exitRate / workers.length);
        }
        long teardownSeconds = 10 + (exitRate > 0 ? (long) (established.get() / exitRate) : 0);
        boolean clean = true;
        for (Worker w : workers) {
            clean &= w.awaitFinished(teardownSeconds, TimeUnit.SECONDS);
        }
        if (!clean) {
            for (Worker w : workers) {
                w.abort();
            }
            for (Worker w : workers) {
                w.awaitFinished(5, TimeUnit.SECONDS);
            }
        }
        progress.println("load-client: teardown done: " + exitNotifiesSent.sum() + " exit notifications sent"
                + (clean ? "" : " (teardown cut short after " + teardownSeconds + " s)"));

        long[] latencies = Arrays.stream(latencyNanos).filter(v -> v >= 0).toArray();
        double[] l = LoadReport.latencySummaryMs(latencies);
        int est = established.get();
        return new LoadReport(address(), settings, n, started, est, failed.get(), failureReasons.top(MAX_REASONS),
                failureReasons.othersBeyond(MAX_REASONS), lostReasons.top(MAX_REASONS), rampSeconds,
                rampSeconds > 0 ? est / rampSeconds : Double.NaN, l[0], l[1], l[2], l[3], options.holdSeconds(),
                held, lostBeforeTeardown, exitNotifiesSent.sum(), pingsSent.sum(), dataPacketsReceived.sum(), cpuRamp,
                cpuHold, ProcSelf.cpuSeconds(), rss, renegotiations(renegotiation), stopped);
    }

    /** When the renegotiations ran and what they cost this process. */
    private record RenegotiationPhase(int started, double seconds, double clientCpuSeconds) {
    }

    /**
     * Renegotiates {@code --renegotiate} held sessions, spread over the workers in proportion to
     * the sessions each holds, with at most {@code --concurrency} in flight; returns once every
     * started one has resolved (bounded by the hand-window).
     */
    private RenegotiationPhase renegotiateHeld(Worker[] workers) throws InterruptedException {
        int n = options.renegotiations();
        int[] quota = new int[workers.length]; // established sessions each worker may renegotiate
        int[][] counts = countsPerWorker(workers);
        for (int i = 0; i < workers.length; i++) {
            quota[i] = counts[i][0];
        }
        progress.println("load-client: renegotiation started: " + n + " of the held sessions (concurrency "
                + options.concurrency() + ")");
        double cpu0 = ProcSelf.cpuSeconds();
        long start = System.nanoTime();
        int started = startRenegotiations(workers, quota, start);
        String notStartedBecause = started == n ? null : stopped ? "stopped" : "no more established sessions";
        long nextProgress = start + PROGRESS_EVERY_NANOS;
        awaitResolved(() -> renegotiated.get() + renegotiationsFailed.get(), started,
                next -> renegotiationProgress(start, started, next), nextProgress);
        long last = lastRenegotiationResolvedNanos.get();
        double seconds = (last == Long.MIN_VALUE ? System.nanoTime() - start : last - start) / 1e9;
        double cpu = ProcSelf.cpuSeconds() - cpu0;
        progress.printf(Locale.ROOT, "load-client: renegotiation done: %d completed, %d failed of %d started in %.2f s"
                + " (%.1f renegotiations/s)%s%n", renegotiated.get(), renegotiationsFailed.get(), started, seconds,
                renegotiated.get() / seconds, notStartedBecause == null ? ""
                        : "; " + (n - started) + " not started: " + notStartedBecause);
        return new RenegotiationPhase(started, seconds, cpu);
    }

    /** Starts up to {@code --renegotiate} renegotiations within {@code quota}; returns how many it started. */
    private int startRenegotiations(Worker[] workers, int[] quota, long start) throws InterruptedException {
        long nextProgress = start + PROGRESS_EVERY_NANOS;
        int started = 0;
        for (int next = 0; started < options.renegotiations(); next = (next + 1) % workers.length) {
            int w = nextWithQuota(quota, next);
            if (w < 0 || !acquireRenegotiationPermit()) {
                break;
            }
            quota[w]--;
            workers[w].renegotiateNext();
            started++;
            next = w;
            nextProgress = renegotiationProgress(start, started, nextProgress);
        }
        return started;
    }

    /** The first worker from {@code from} on (round robin) with quota left, or -1. */
    private static int nextWithQuota(int[] quota, int from) {
        for (int i = 0; i < quota.length; i++) {
            int w = (from + i) % quota.length;
            if (quota[w] > 0) {
                return w;
            }
        }
        return -1;
    }

    /** Waits for a free renegotiation slot; false when the run is stopped meanwhile. */
    private boolean acquireRenegotiationPermit() throws InterruptedException {
        while (!stopped) {
            if (renegotiationsInFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits until {@code started} handshakes have resolved (established or failed), printing progress
     * on the way: each resolves within --timeout (the client's hand-window) of its start, so at most
     * that and 5 s; less when the run is stopped.
     */
    private void awaitResolved(IntSupplier resolved, int started, LongUnaryOperator progress, long nextProgress)
            throws InterruptedException {
        long resolveBy = System.nanoTime() + handshakeTimeoutNanos() + TimeUnit.SECONDS.toNanos(5);
        while (resolved.getAsInt() < started && !stopped && System.nanoTime() - resolveBy < 0) {
            stopRequested.await(50, TimeUnit.MILLISECONDS);
            nextProgress = progress.applyAsLong(nextProgress);
        }
    }

    private long renegotiationProgress(long start, int started, long nextProgress) {
        return progressLine("renegotiations started", "completed", renegotiated, renegotiationsFailed, start, started,
                nextProgress);
    }

    private LoadReport.Renegotiations renegotiations(RenegotiationPhase phase) {
        if (options.renegotiations() == 0) {
            return LoadReport.Renegotiations.NONE;
        }
        int completed = renegotiated.get();
        long[] latencies = new long[Math.min(completed, renegotiationLatencyNanos.length())];
        for (int i = 0; i < latencies.length; i++) {
            latencies[i] = renegotiationLatencyNanos.get(i);
        }
        double[] l = LoadReport.latencySummaryMs(latencies);
        return new LoadReport.Renegotiations(options.renegotiations(), phase.started(), completed,
                renegotiationsFailed.get(), renegotiationFailureReasons.top(MAX_REASONS),
                renegotiationFailureReasons.othersBeyond(MAX_REASONS), phase.seconds(),
                phase.seconds() > 0 ? completed / phase.seconds() : Double.NaN, l[0], l[1], l[2], l[3],
                phase.clientCpuSeconds());
    }

    /** {held, handshaking} over all workers. */
    private int[] snapshot(Worker[] workers) throws InterruptedException {
        int[] total = new int[2];
        for (int[] c : countsPerWorker(workers)) {
            total[0] += c[0];
            total[1] += c[1];
        }
        return total;
    }

    /** {held, handshaking} of each worker; zeros for one that did not answer within 10 s. */
    private int[][] countsPerWorker(Worker[] workers) throws InterruptedException {
        int[][] counts = new int[workers.length][];
        CountDownLatch latch = new CountDownLatch(workers.length);
        for (int i = 0; i < workers.length; i++) {
            int w = i;
            workers[i].snapshot(c -> {
                synchronized (counts) {
                    counts[w] = c.clone();
                }
                latch.countDown();
            });
        }
        if (!latch.await(10, TimeUnit.SECONDS)) {
            progress.println("load-client: an I/O thread did not answer within 10 s; held count incomplete");
        }
        synchronized (counts) {
            int[][] out = new int[workers.length][];
            for (int i = 0; i < out.length; i++) {
                out[i] = counts[i] == null ? new int[2] : counts[i].clone();
            }
            return out;
        }
    }

    private long rampProgress(long rampStart, int started, long nextProgress) {
        return progressLine("started", "established", established, failed, rampStart, started, nextProgress);
    }

    /** One progress line every PROGRESS_EVERY_NANOS: started, done, failed and in flight since {@code start}. */
    private long progressLine(String startedLabel, String doneLabel, AtomicInteger done, AtomicInteger failures,
                              long start, int started, long nextProgress) {
        long now = System.nanoTime();
        if (now - nextProgress < 0) {
            return nextProgress;
        }
        int d = done.get();
        int f = failures.get();
        progress.printf(Locale.ROOT, "load-client: %.0f s: %s %d, %s %d, failed %d, in flight %d%n",
                (now - start) / 1e9, startedLabel, started, doneLabel, d, f, started - d - f);
        return nextProgress + PROGRESS_EVERY_NANOS;
    }

    private String address() {
        InetSocketAddress a = options.server();
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/udp";
    }

    private String settingsLine() {
        return String.format(Locale.ROOT, "rate %s, concurrency %d, %d I/O threads, %s, %s, %d client certificate(s),"
                + " timeout %d s, hold %d s, EC provider %s", options.rate() > 0 ? options.rate() + "/s" : "unlimited",
                options.concurrency(), options.threads(), options.cipher(),
                options.tlsCrypt() != null ? "tls-crypt" : "no control-channel protection", configs.size(),
                options.timeoutSeconds(), options.holdSeconds(), options.ecProvider());
    }

    /** Counts reasons, remembering the order they were first seen. */
    static final class ReasonCounter {
        private static final int MAX_DISTINCT = 1000;
        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        private final Queue<String> order = new ConcurrentLinkedQueue<>();
        private final AtomicInteger overflow = new AtomicInteger();

        void add(String reason) {
            String r = reason == null ? "(no reason)"
                    : reason.length() > 300 ? reason.substring(0, 300) + "..." : reason;
            AtomicInteger c = counts.get(r);
            if (c == null) {
                if (counts.size() >= MAX_DISTINCT) {
                    overflow.incrementAndGet();
                    return;
                }
                AtomicInteger fresh = new AtomicInteger();
                c = counts.putIfAbsent(r, fresh);
                if (c == null) {
                    c = fresh;
                    order.add(r);
                }
            }
            c.incrementAndGet();
        }

        List<LoadReport.Reason> top(int max) {
            List<LoadReport.Reason> out = new ArrayList<>();
            for (String r : order) {
                if (out.size() == max) {
                    break;
                }
                out.add(new LoadReport.Reason(r, counts.get(r).get()));
            }
            return out;
        }

        int othersBeyond(int max) {
            int shown = top(max).stream().mapToInt(LoadReport.Reason::count).sum();
            int all = counts.values().stream().mapToInt(AtomicInteger::get).sum() + overflow.get();
            return all - shown;
        }
    }
}
