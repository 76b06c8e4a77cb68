package io.portcullis.e2e.bench;

import io.portcullis.e2e.ManagedProcess;
import io.portcullis.e2e.OpenVpnClient;
import io.portcullis.e2e.Processes;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many stock clients at once: started as fast as the machine forks them, each with the wall-clock
 * time just before its process was started, and its connect time read from its own log (the
 * profile has {@code machine-readable-output}, so every log line starts with
 * {@code <epoch seconds>.<microseconds>}). Stopped all together: SIGTERM to every one (with
 * {@code explicit-exit-notify} the server drops the session at once), SIGKILL to stragglers.
 */
final class ClientFleet {

    /** Profile lines every benchmark client carries: microsecond log timestamps, and tell the server on exit. */
    static final List<String> PROFILE_LINES = List.of("machine-readable-output", "explicit-exit-notify 1");

    private static final Pattern CONNECTED =
            Pattern.compile("(?m)^(\\d+)\\.(\\d{6}) \\S+ Initialization Sequence Completed(.*)$");

    /** One client: the process and when it was started (epoch microseconds, just before fork). */
    record Member(OpenVpnClient client, long startMicros) {

        /** Epoch microseconds of "Initialization Sequence Completed" in its log, if there. */
        OptionalLong connectedMicros() {
            Matcher m = CONNECTED.matcher(client.logText());
            if (m.find() && !m.group(3).contains("With Errors")) {
                return OptionalLong.of(Long.parseLong(m.group(1)) * 1_000_000L + Long.parseLong(m.group(2)));
            }
            return OptionalLong.empty();
        }

        /** Seconds from process start to connected; NaN if not connected. */
        double connectSeconds() {
            OptionalLong c = connectedMicros();
            return c.isPresent() ? (c.getAsLong() - startMicros) / 1e6 : Double.NaN;
        }
    }

    private final Processes processes;
    private final Path dir;
    private final List<Member> members = new ArrayList<>();

    ClientFleet(Processes processes, Path dir) {
        this.processes = processes;
        this.dir = dir;
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Starts one client in {@code namespace}; does not wait. */
    Member start(String namespace, String name, OpenVpnClient.Profile profile) {
        long t0 = nowMicros();
        OpenVpnClient c = OpenVpnClient.start(processes, namespace, name, profile, dir);
        Member m = new Member(c, t0);
        members.add(m);
        return m;
    }

    List<Member> members() {
        return List.copyOf(members);
    }

    /**
     * Polls every {@code pollMillis} until every one of {@code which} is connected, one exits, or
     * {@code timeout} passes. Returns how many are connected (all of them unless something failed).
     */
    static int awaitConnected(List<Member> which, Duration timeout, long pollMillis) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Member> waiting = new ArrayList<>(which);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            waiting.removeIf(m -> m.connectedMicros().isPresent());
            if (waiting.stream().anyMatch(m -> !m.client().process().isAlive() && m.connectedMicros().isEmpty())) {
                break;
            }
            if (!waiting.isEmpty()) {
                sleep(pollMillis);
            }
        }
        waiting.removeIf(m -> m.connectedMicros().isPresent());
        return which.size() - waiting.size();
    }

    /** The first client of {@code which} that is not connected, with its log tail, for a failure message. */
    static String describeFirstFailure(List<Member> which) {
        for (Member m : which) {
            if (m.connectedMicros().isEmpty()) {
                ManagedProcess p = m.client().process();
                return p.name() + (p.isAlive() ? " (still running)" : " (exited)") + ", log "
                        + m.client().log() + ":\n" + tail(m.client().logText(), 15);
            }
        }
        return "all connected";
    }

    /** SIGTERM to every live client at once, then waits (bounded) and SIGKILLs what is left. */
    void stopAll(Duration grace) {
        for (Member m : members) {
            if (m.client().process().isAlive()) {
                m.client().process().handle().destroy();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Member m : members) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!m.client().process().awaitExit(Duration.ofNanos(left))) {
                m.client().kill();
            }
        }
        members.clear();
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
