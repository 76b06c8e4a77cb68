package io.portcullis.loadclient;

import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.data.InnerPayload;
import io.portcullis.protocol.data.OpenStatus;
import io.portcullis.protocol.session.ClientSession;
import io.portcullis.protocol.session.ClientSessionConfig;
import io.portcullis.protocol.session.SessionOutput;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One I/O thread: a NIO selector over the UDP sockets of its sessions, a timer queue, and a task
 * queue through which the controller starts sessions, takes counts and ends the run. Every
 * session is created, driven and closed on its worker's thread only.
 */
final class Worker implements Runnable {

    private static final int OP_DATA_V1 = 6;
    private static final int OP_DATA_V2 = 9;
    private static final int MAX_READS_PER_WAKEUP = 32;
    private static final byte[] PING = InnerPayload.ping();
    private static final byte[] OCC_EXIT = InnerPayload.occExit();

    private record Timer(long at, Session session) {
    }

    private final LoadRun run;
    private final int id;
    private final Selector selector;
    private final SecureRandom random;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.at - b.at, 0));
    private final List<Session> sessions = new ArrayList<>();
    private final ByteBuffer rx = ByteBuffer.allocateDirect(65536);
    private final ByteBuffer tx = ByteBuffer.allocateDirect(4096);
    private final ByteBuffer plain = ByteBuffer.allocate(65536);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final ArrayDeque<Session> exitQueue = new ArrayDeque<>();
    private boolean tearingDown;
    private double exitRate;
    private long exitStartNanos;
    private long exitsDone;
    /** Sessions before this position in {@link #sessions} are not picked for renegotiation again. */
    private int renegotiationCursor;
    private volatile boolean done;

    Worker(LoadRun run, int id) throws IOException {
        this.run = run;
        this.id = id;
        this.selector = Selector.open();
        SecureRandom r;
        try {
            r = SecureRandom.getInstance("DRBG"); // per thread: no lock shared with the other workers
        } catch (NoSuchAlgorithmException e) {
            r = new SecureRandom();
        }
        this.random = r;
    }

    void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Starts session {@code index}; runs on this worker. */
    void start(int index, ClientSessionConfig config) {
        submit(() -> startSession(index, config));
    }

    /**
     * Renegotiates this worker's next established session not renegotiated yet in this run; the
     * outcome reaches {@link LoadRun#onRenegotiated} or {@link LoadRun#onRenegotiationFailed}.
     */
    void renegotiateNext() {
        submit(this::startRenegotiation);
    }

    /** Counts on this worker's thread; the result is handed to {@code sink}. */
    void snapshot(Consumer<int[]> sink) {
        submit(() -> {
            long now = System.nanoTime();
            int alive = 0;
            int handshaking = 0;
            for (Session s : sessions) {
                if (s.state == Session.State.ESTABLISHED && now - s.lastReceivedNanos < s.pingRestartNanos) {
                    alive++;
                } else if (s.state == Session.State.HANDSHAKING) {
                    handshaking++;
                }
            }
            sink.accept(new int[] {alive, handshaking});
        });
    }

    /**
     * Ends every session: established ones get an explicit-exit-notify (OCC EXIT on the data
     * channel) at {@code ratePerSecond} (0 = at once), then every socket is closed and the
     * thread ends.
     */
    void teardown(double ratePerSecond) {
        submit(() -> {
            if (tearingDown) {
                exitRate = 0; // a second request (a signal during the teardown): finish now
                return;
            }
            tearingDown = true;
            exitRate = ratePerSecond;
            exitStartNanos = System.nanoTime();
            for (Session s : sessions) {
                if (s.state == Session.State.ESTABLISHED) {
                    exitQueue.add(s);
                } else if (s.state == Session.State.HANDSHAKING) {
                    fail(s, "stopped before the handshake completed", System.nanoTime());
                }
            }
        });
    }

    boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /** Ends the thread at once (sockets closed, no exit notification). */
    void abort() {
        done = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!done) {
                for (Runnable t; (t = tasks.poll()) != null; ) {
                    t.run();
                }
                if (tearingDown) {
                    sendDueExits();
                    if (exitQueue.isEmpty()) {
                        break;
                    }
                }
                long now = System.nanoTime();
                long next = timers.isEmpty() ? now + TimeUnit.SECONDS.toNanos(1) : timers.peek().at;
                long waitMillis = Math.min(1000, Math.max(0, (next - now + 999_999) / 1_000_000));
                if (tearingDown) {
                    waitMillis = Math.min(waitMillis, 1);
                }
                int ready = waitMillis == 0 ? selector.selectNow() : selector.select(waitMillis);
                if (ready > 0) {
                    now = System.nanoTime();
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (k.isValid() && k.isReadable()) {
                            readAll((Session) k.attachment(), now);
                        }
                    }
                }
                runTimers(System.nanoTime());
            }
        } catch (Throwable e) {
            run.fatal("I/O thread " + id + " failed: " + e, e);
        } finally {
            long now = System.nanoTime();
            for (Session s : sessions) {
                if (s.state == Session.State.HANDSHAKING) {
                    fail(s, "stopped before the handshake completed", now);
                } else if (s.state == Session.State.ESTABLISHED) {
                    s.state = Session.State.CLOSED;
                    abandonRenegotiation(s, "stopped before the renegotiation completed");
                }
                closeChannel(s);
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            finished.countDown();
        }
    }

    // ---------------------------------------------------------------- sessions

    private void startSession(int index, ClientSessionConfig config) {
        if (tearingDown || done) {
            run.onHandshakeFailed(index, "stopped before the handshake started", System.nanoTime());
            return;
        }
        DatagramChannel channel = null;
        try {
            channel = DatagramChannel.open(run.server().getAddress() instanceof Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            channel.configureBlocking(false);
            channel.connect(run.server()); // the kernel picks this session's own source port
            long now = System.nanoTime();
            ClientSession engine = new ClientSession(config, now, System.currentTimeMillis() / 1000, random);
            Session s = new Session(index, channel, engine, now);
            s.key = channel.register(selector, SelectionKey.OP_READ, s);
            sessions.add(s);
            apply(s, engine.start(now), now);
            reschedule(s);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            run.onHandshakeFailed(index, "cannot start: " + e, System.nanoTime());
        }
    }

    private void startRenegotiation() {
        long now = System.nanoTime();
        Session s = nextToRenegotiate();
        if (s == null || tearingDown || done) {
            run.onRenegotiationFailed("no established session left to renegotiate on its I/O thread");
            return;
        }
        int before = s.engine.currentKeyId();
        List<SessionOutput> outputs = s.engine.renegotiate(now);
        if (s.engine.currentKeyId() == before) {
            run.onRenegotiationFailed("the session refused to start a renegotiation (one already under way)");
        } else {
            s.renegotiatingKeyId = s.engine.currentKeyId();
            s.renegotiationStartedNanos = now;
        }
        apply(s, outputs, now);
        reschedule(s);
    }

    private Session nextToRenegotiate() {
        while (renegotiationCursor < sessions.size()) {
            Session s = sessions.get(renegotiationCursor++);
            if (s.state == Session.State.ESTABLISHED && s.renegotiatingKeyId < 0) {
                return s;
            }
        }
        return null;
    }

    /** A renegotiation under way ends unfinished (the session ended, or the run did). */
    private void abandonRenegotiation(Session s, String reason) {
        if (s.renegotiatingKeyId >= 0) {
            s.renegotiatingKeyId = -1;
            run.onRenegotiationFailed(reason);
        }
    }

    private void readAll(Session s, long now) {
        try {
            for (int i = 0; i < MAX_READS_PER_WAKEUP && !s.state.isOver(); i++) {
                rx.clear();
                int n;
                try {
                    n = s.channel.read(rx);
                } catch (PortUnreachableException e) {
                    s.lastSocketError = "ICMP port unreachable";
                    continue;
                } catch (IOException e) {
                    s.lastSocketError = String.valueOf(e);
                    break;
                }
                if (n <= 0) {
                    break;
                }
                rx.flip();
                onDatagram(s, now);
            }
            reschedule(s);
        } catch (RuntimeException e) {
            end(s, "internal error: " + e, now);
        }
    }

    private void onDatagram(Session s, long now) {
        int first = rx.get(0) & 0xFF;
        int opcode = first >>> 3;
        if (opcode == OP_DATA_V2 || opcode == OP_DATA_V1) {
            DataChannelCipher key = s.keys[first & 7];
            if (key == null) {
                return;
            }
            plain.clear();
            if (key.open(rx, plain, now) == OpenStatus.OK) {
                s.lastReceivedNanos = now;
                run.dataPacketsReceived.increment();
            }
            return;
        }
        long dropped = s.engine.droppedPackets();
        List<SessionOutput> outputs = s.engine.onControlPacket(rx, now);
        if (s.engine.droppedPackets() == dropped) {
            s.lastReceivedNanos = now;
        }
        apply(s, outputs, now);
    }

    private void apply(Session s, List<SessionOutput> outputs, long now) {
        for (SessionOutput o : outputs) {
            if (o instanceof SessionOutput.Send send) {
                send(s, ByteBuffer.wrap(send.packet()), now);
            } else if (o instanceof SessionOutput.InstallKeys k) {
                s.keys[k.keyId()] = k.cipher(); // from now on the new key seals; until now the old one did
                s.sendKeyId = k.keyId();
                if (k.keyId() == s.renegotiatingKeyId) {
                    s.renegotiatingKeyId = -1;
                    run.onRenegotiated(now - s.renegotiationStartedNanos, now);
                }
            } else if (o instanceof SessionOutput.RetireKeys r) {
                if (r.keyId() != s.sendKeyId) {
                    s.keys[r.keyId()] = null;
                }
            } else if (o instanceof SessionOutput.Established) {
                established(s, now);
            } else if (o instanceof SessionOutput.Closed c) {
                end(s, c.reason(), now);
                return;
            }
        }
    }

    private void established(Session s, long now) {
        if (s.state != Session.State.HANDSHAKING) {
            return;
        }
        s.state = Session.State.ESTABLISHED;
        for (String option : s.engine.pushedOptions().orElse(List.of())) {
            if (option.startsWith("ping ")) {
                s.pingNanos = seconds(option.substring(5), s.pingNanos);
            } else if (option.startsWith("ping-restart ")) {
                s.pingRestartNanos = seconds(option.substring(13), s.pingRestartNanos);
            }
        }
        s.lastReceivedNanos = now;
        run.onEstablished(s.index, now - s.startedNanos, now);
    }

    private static long seconds(String text, long otherwise) {
        try {
            long v = Long.parseLong(text.trim());
            return v > 0 ? TimeUnit.SECONDS.toNanos(v) : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The session is over for {@code reason}: a failed handshake, or a lost session. */
    private void end(Session s, String reason, long now) {
        if (s.state == Session.State.HANDSHAKING) {
            fail(s, reason, now);
        } else if (s.state == Session.State.ESTABLISHED) {
            s.state = Session.State.LOST;
            run.onLost(reason);
            abandonRenegotiation(s, reason);
        }
        closeChannel(s);
    }

    private void fail(Session s, String reason, long now) {
        s.state = Session.State.FAILED;
        String why = s.lastSocketError == null ? reason : reason + " (last socket error: " + s.lastSocketError + ")";
        run.onHandshakeFailed(s.index, why, now);
    }

    private void send(Session s, ByteBuffer packet, long now) {
        try {
            if (s.channel.write(packet) == 0) {
                run.sendBufferFull.increment();
            }
        } catch (PortUnreachableException e) {
            s.lastSocketError = "ICMP port unreachable";
        } catch (IOException e) {
            s.lastSocketError = String.valueOf(e);
        }
        s.lastSentNanos = now;
    }

    /** Seals {@code payload} with the newest data key and sends it; false without a key. */
    private boolean sendData(Session s, byte[] payload, long now) {
        DataChannelCipher key = s.sendKey();
        if (key == null) {
            return false;
        }
        tx.clear();
        key.seal(ByteBuffer.wrap(payload), tx);
        tx.flip();
        send(s, tx, now);
        return true;
    }

    // ---------------------------------------------------------------- timers

    private long nextWakeup(Session s) {
        if (s.state.isOver()) {
            return Long.MAX_VALUE;
        }
        long w = s.engine.nextWakeupNanos();
        if (s.state == Session.State.HANDSHAKING) {
            w = earliest(w, s.startedNanos + run.handshakeTimeoutNanos() + TimeUnit.SECONDS.toNanos(1));
        } else {
            w = earliest(w, s.lastSentNanos + s.pingNanos);
            w = earliest(w, s.lastReceivedNanos + s.pingRestartNanos);
        }
        return w;
    }

    private static long earliest(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    private void reschedule(Session s) {
        long at = nextWakeup(s);
        if (at == Long.MAX_VALUE) {
            s.timerAt = Long.MAX_VALUE;
            return;
        }
        if (at != s.timerAt) {
            s.timerAt = at;
            timers.add(new Timer(at, s)); // the one queued before (if any) is now stale and skipped
        }
    }

    private void runTimers(long now) {
        while (!timers.isEmpty() && timers.peek().at - now <= 0) {
            Timer t = timers.poll();
            Session s = t.session;
            if (s.timerAt != t.at || s.state.isOver()) {
                continue;
            }
            s.timerAt = Long.MAX_VALUE;
            try {
                onTimer(s, now);
            } catch (RuntimeException e) {
                end(s, "internal error: " + e, now);
            }
            reschedule(s);
        }
    }

    private void onTimer(Session s, long now) {
        if (s.engine.nextWakeupNanos() - now <= 0) {
            apply(s, s.engine.onTick(now), now);
            if (s.state.isOver()) {
                return;
            }
        }
        if (s.state == Session.State.HANDSHAKING) {
            if (now - s.startedNanos >= run.handshakeTimeoutNanos() + TimeUnit.SECONDS.toNanos(1)) {
                end(s, "key negotiation did not complete within --timeout", now);
            }
            return;
        }
        if (now - s.lastReceivedNanos >= s.pingRestartNanos) {
            end(s, "ping-restart: nothing from the server for " + TimeUnit.NANOSECONDS.toSeconds(s.pingRestartNanos)
                    + " s", now);
            return;
        }
        if (now - s.lastSentNanos >= s.pingNanos && sendData(s, PING, now)) {
            run.pingsSent.increment();
        }
    }

    // ---------------------------------------------------------------- teardown

    private void sendDueExits() {
        long now = System.nanoTime();
        long allowed = exitRate <= 0 ? Long.MAX_VALUE
                : (long) ((now - exitStartNanos) / 1e9 * exitRate) + 1 - exitsDone;
        while (allowed-- > 0 && !exitQueue.isEmpty()) {
            Session s = exitQueue.poll();
            if (s.state != Session.State.ESTABLISHED) {
                continue;
            }
            try {
                if (sendData(s, OCC_EXIT, now)) {
                    run.exitNotifiesSent.increment();
                }
            } catch (RuntimeException e) {
                run.onLost("internal error at teardown: " + e);
            }
            s.state = Session.State.CLOSED;
            abandonRenegotiation(s, "stopped before the renegotiation completed");
            closeChannel(s);
            exitsDone++;
        }
    }

    private static void closeChannel(Session s) {
        if (s.key != null) {
            s.key.cancel();
        }
        try {
            s.channel.close();
        } catch (IOException ignored) {
            // nothing more to do for it
        }
    }
}
