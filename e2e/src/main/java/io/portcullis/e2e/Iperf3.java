package io.portcullis.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** iperf3: a server on a private-network host, clients in client namespaces, JSON results. */
public final class Iperf3 {

    public static final int DEFAULT_PORT = 5201;

    /**
     * One TCP test as the receiving side saw it.
     *
     * @param reverse           false: client namespace to network (upload); true: network to client (-R)
     * @param receivedBitsPerSecond end.sum_received.bits_per_second
     * @param receivedBytes     end.sum_received.bytes
     * @param retransmits       end.sum_sent.retransmits (-1 when absent)
     */
    public record Result(boolean reverse, double seconds, double receivedBitsPerSecond, long receivedBytes,
                         long retransmits) {
        public double mbitPerSecond() {
            return receivedBitsPerSecond / 1e6;
        }
    }

    private Iperf3() {}

    /** Starts {@code iperf3 -s} on {@code address:port} in {@code ns}; returns once it listens. */
    public static ManagedProcess startServer(Processes processes, String ns, String address, int port) {
        ManagedProcess p = processes.start("iperf3-server-" + port, ns, List.of("iperf3", "-s", "-B", address,
                "-p", Integer.toString(port), "--forceflush"));
        Listening.awaitTcp(processes, ns, address, port, p, Duration.ofSeconds(15));
        return p;
    }

    /** How long a test is tried again while the server says it is busy with the one before. */
    static final Duration BUSY_WAIT = Duration.ofSeconds(20);

    /** Runs a TCP test from {@code ns} to {@code server:port} for {@code seconds}; {@code reverse} adds -R. */
    public static Result run(Processes processes, String ns, String server, int port, int seconds, boolean reverse) {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", server, "-p", Integer.toString(port),
                "-t", Integer.toString(seconds), "-J", "--connect-timeout", "5000"));
        if (reverse) {
            cmd.add("-R");
        }
        long busyUntil = System.nanoTime() + BUSY_WAIT.toNanos();
        while (true) {
            Processes.Result r = processes.run(ns, Duration.ofSeconds(seconds + 30L), cmd);
            // The server still winds up the last test (or the readiness probe's connection) after its
            // client has gone, and refuses the next one as busy: for a moment, or for seconds when
            // that test's last segments crossed a saturated, lossy tunnel and wait out TCP's backoff.
            // iperf3 3.12 may exit 0 with that refusal as the JSON's "error".
            if (r.stdout().contains("the server is busy") && System.nanoTime() < busyUntil) {
                ManagedProcess.sleep(500);
                continue;
            }
            if (!r.ok()) {
                throw new IllegalStateException("iperf3 failed (exit " + r.exitCode() + "): " + r.stdout() + r.stderr());
            }
            return parse(r.stdout(), reverse);
        }
    }

    /** Parses iperf3 -J output of a TCP test. */
    public static Result parse(String json, boolean reverse) {
        Matcher err = Pattern.compile("\"error\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (err.find()) {
            throw new IllegalStateException("iperf3: " + err.group(1));
        }
        String received = object(json, "sum_received");
        String sent = object(json, "sum_sent");
        return new Result(reverse, number(received, "seconds"), number(received, "bits_per_second"),
                (long) number(received, "bytes"), sent.contains("\"retransmits\"") ? (long) number(sent, "retransmits") : -1);
    }

    private static String object(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\{([^}]*)}").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("iperf3 output has no " + key + ": " + json);
        }
        return m.group(1);
    }

    private static double number(String object, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([-0-9.eE+]+)").matcher(object);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in {" + object + "}");
        }
        return Double.parseDouble(m.group(1));
    }
}
