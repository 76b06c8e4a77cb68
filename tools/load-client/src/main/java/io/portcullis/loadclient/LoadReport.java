package io.portcullis.loadclient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a load run measured, all client-side: counts, the ramp's handshake rate and latencies, the
 * renegotiations of held sessions, the sessions still up at the end of the hold, and this process's
 * CPU time and resident memory.
 *
 * @param failureReasons the first few distinct reasons of failed handshakes, in order first seen
 * @param otherFailures failed handshakes whose reason is not in {@code failureReasons}
 * @param lostReasons why established sessions ended before the teardown (first few)
 * @param rampSeconds first handshake started to last one resolved (established or failed)
 * @param handshakesPerSecond established / rampSeconds
 * @param heldAtEnd sessions established, not closed, and heard from within the pushed ping-restart
 *        interval at the end of the hold (just before the teardown)
 * @param lostDuringHold established sessions that ended before the teardown (server RESTART/HALT,
 *        ping-restart, socket error)
 * @param exitNotifiesSent explicit-exit-notify (OCC EXIT on the data channel) messages sent at teardown
 * @param pingsSent keepalive pings sent on the data channel
 * @param dataPacketsReceived authentic data packets received (the server's pings)
 * @param clientCpuSecondsRamp this process's CPU (all threads) during the ramp
 * @param clientRssKiB this process's resident memory at the end of the hold
 * @param renegotiations what {@code --renegotiate} measured, {@link Renegotiations#NONE} without it
 * @param stopped the run was cut short (signal)
 */
public record LoadReport(
        String server,
        String settings,
        int requested,
        int started,
        int established,
        int failed,
        List<Reason> failureReasons,
        int otherFailures,
        List<Reason> lostReasons,
        double rampSeconds,
        double handshakesPerSecond,
        double latencyP50Ms,
        double latencyP90Ms,
        double latencyP99Ms,
        double latencyMaxMs,
        int holdSeconds,
        int heldAtEnd,
        int lostDuringHold,
        long exitNotifiesSent,
        long pingsSent,
        long dataPacketsReceived,
        double clientCpuSecondsRamp,
        double clientCpuSecondsHold,
        double clientCpuSecondsTotal,
        long clientRssKiB,
        Renegotiations renegotiations,
        boolean stopped) {

    /** A failure reason and how many sessions it ended. */
    public record Reason(String reason, int count) {
    }

    /**
     * The renegotiations of {@code --renegotiate}: client-initiated soft resets of held sessions,
     * each a new TLS handshake and key-method 2 exchange on the established session.
     *
     * @param failureReasons the first few distinct reasons of failed renegotiations, in order first seen
     * @param otherFailures failed renegotiations whose reason is not in {@code failureReasons}
     * @param seconds first soft reset sent to the last renegotiation resolved (completed or failed)
     * @param perSecond completed / seconds
     * @param latencyP50Ms latencies run from the soft reset sent to the new data keys installed
     * @param clientCpuSeconds this process's CPU (all threads) during the renegotiations
     */
    public record Renegotiations(int requested, int started, int completed, int failed, List<Reason> failureReasons,
            int otherFailures, double seconds, double perSecond, double latencyP50Ms, double latencyP90Ms,
            double latencyP99Ms, double latencyMaxMs, double clientCpuSeconds) {

        public static final Renegotiations NONE = new Renegotiations(0, 0, 0, 0, List.of(), 0, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        public Renegotiations {
            failureReasons = List.copyOf(failureReasons);
        }

        public double clientCpuMsPerRenegotiation() {
            return completed == 0 ? Double.NaN : clientCpuSeconds * 1000 / completed;
        }
    }

    public LoadReport {
        failureReasons = List.copyOf(failureReasons);
        lostReasons = List.copyOf(lostReasons);
    }

    /** Nearest-rank percentile of {@code sorted} (ascending), NaN for an empty array. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** Latencies in nanoseconds to {p50, p90, p99, max} in milliseconds. */
    static double[] latencySummaryMs(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return new double[] {percentile(s, 50) / 1e6, percentile(s, 90) / 1e6, percentile(s, 99) / 1e6,
            s.length == 0 ? Double.NaN : s[s.length - 1] / 1e6};
    }

    public double clientCpuMsPerHandshake() {
        return established == 0 ? Double.NaN : clientCpuSecondsRamp * 1000 / established;
    }

    /** A two-column table for people. */
    public String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("sessions requested", Integer.toString(requested)));
        rows.add(row("sessions started", Integer.toString(started)));
        rows.add(row("sessions established", Integer.toString(established)));
        rows.add(row("sessions failed", Integer.toString(failed)));
        for (Reason r : failureReasons) {
            rows.add(row("  " + r.count() + " x", oneLine(r.reason())));
        }
        if (otherFailures > 0) {
            rows.add(row("  " + otherFailures + " x", "(other reasons)"));
        }
        rows.add(row("ramp wall time", fmt(rampSeconds, 2, " s")));
        rows.add(row("handshakes per second", fmt(handshakesPerSecond, 1, "")));
        rows.add(row("handshake latency p50", fmt(latencyP50Ms, 1, " ms")));
        rows.add(row("handshake latency p90", fmt(latencyP90Ms, 1, " ms")));
        rows.add(row("handshake latency p99", fmt(latencyP99Ms, 1, " ms")));
        rows.add(row("handshake latency max", fmt(latencyMaxMs, 1, " ms")));
        if (renegotiations.requested() > 0) {
            renegotiationRows(rows);
        }
        rows.add(row("hold", holdSeconds + " s"));
        rows.add(row("sessions held at end of hold", Integer.toString(heldAtEnd)));
        rows.add(row("sessions lost before teardown", Integer.toString(lostDuringHold)));
        for (Reason r : lostReasons) {
            rows.add(row("  " + r.count() + " x", oneLine(r.reason())));
        }
        rows.add(row("keepalive pings sent", Long.toString(pingsSent)));
        rows.add(row("data packets received", Long.toString(dataPacketsReceived)));
        rows.add(row("exit notifications sent", Long.toString(exitNotifiesSent)));
        rows.add(row("client CPU, ramp", fmt(clientCpuSecondsRamp, 2, " s")));
        rows.add(row("client CPU per handshake", fmt(clientCpuMsPerHandshake(), 2, " ms")));
        rows.add(row("client CPU, hold", fmt(clientCpuSecondsHold, 2, " s")));
        rows.add(row("client CPU, whole run", fmt(clientCpuSecondsTotal, 2, " s")));
        rows.add(row("client resident memory", clientRssKiB < 0 ? "n/a" : (clientRssKiB / 1024) + " MiB"));
        int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder s = new StringBuilder();
        s.append("Portcullis load client against ").append(server).append(stopped ? " (STOPPED EARLY)" : "")
                .append('\n').append(settings).append('\n');
        for (String[] r : rows) {
            s.append("  ").append(r[0]).append(" ".repeat(w - r[0].length() + 2)).append(r[1]).append('\n');
        }
        return s.toString();
    }

    private void renegotiationRows(List<String[]> rows) {
        Renegotiations r = renegotiations;
        rows.add(row("renegotiations requested", Integer.toString(r.requested())));
        rows.add(row("renegotiations started", Integer.toString(r.started())));
        rows.add(row("renegotiations completed", Integer.toString(r.completed())));
        rows.add(row("renegotiations failed", Integer.toString(r.failed())));
        for (Reason reason : r.failureReasons()) {
            rows.add(row("  " + reason.count() + " x", oneLine(reason.reason())));
        }
        if (r.otherFailures() > 0) {
            rows.add(row("  " + r.otherFailures() + " x", "(other reasons)"));
        }
        rows.add(row("renegotiation wall time", fmt(r.seconds(), 2, " s")));
        rows.add(row("renegotiations per second", fmt(r.perSecond(), 1, "")));
        rows.add(row("renegotiation latency p50", fmt(r.latencyP50Ms(), 1, " ms")));
        rows.add(row("renegotiation latency p90", fmt(r.latencyP90Ms(), 1, " ms")));
        rows.add(row("renegotiation latency p99", fmt(r.latencyP99Ms(), 1, " ms")));
        rows.add(row("renegotiation latency max", fmt(r.latencyMaxMs(), 1, " ms")));
        rows.add(row("client CPU, renegotiations", fmt(r.clientCpuSeconds(), 2, " s")));
        rows.add(row("client CPU per renegotiation", fmt(r.clientCpuMsPerRenegotiation(), 2, " ms")));
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    private static String[] row(String a, String b) {
        return new String[] {a, b};
    }

    /** One JSON object on one line; NaN figures are null. */
    public String toJson() {
        StringBuilder s = new StringBuilder("{");
        field(s, "server", server);
        field(s, "settings", settings);
        field(s, "sessionsRequested", requested);
        field(s, "sessionsStarted", started);
        field(s, "sessionsEstablished", established);
        field(s, "sessionsFailed", failed);
        reasons(s, "failureReasons", failureReasons);
        field(s, "otherFailures", otherFailures);
        field(s, "rampSeconds", rampSeconds);
        field(s, "handshakesPerSecond", handshakesPerSecond);
        field(s, "latencyP50Ms", latencyP50Ms);
        field(s, "latencyP90Ms", latencyP90Ms);
        field(s, "latencyP99Ms", latencyP99Ms);
        field(s, "latencyMaxMs", latencyMaxMs);
        renegotiationFields(s);
        field(s, "holdSeconds", holdSeconds);
        field(s, "sessionsHeldAtEndOfHold", heldAtEnd);
        field(s, "sessionsLostBeforeTeardown", lostDuringHold);
        reasons(s, "lostReasons", lostReasons);
        field(s, "pingsSent", pingsSent);
        field(s, "dataPacketsReceived", dataPacketsReceived);
        field(s, "exitNotifiesSent", exitNotifiesSent);
        field(s, "clientCpuSecondsRamp", clientCpuSecondsRamp);
        field(s, "clientCpuMsPerHandshake", clientCpuMsPerHandshake());
        field(s, "clientCpuSecondsHold", clientCpuSecondsHold);
        field(s, "clientCpuSecondsTotal", clientCpuSecondsTotal);
        field(s, "clientRssKiB", clientRssKiB);
        field(s, "stopped", stopped);
        s.setLength(s.length() - 1);
        return s.append('}').toString();
    }

    private void renegotiationFields(StringBuilder s) {
        Renegotiations r = renegotiations;
        field(s, "renegotiationsRequested", r.requested());
        field(s, "renegotiationsStarted", r.started());
        field(s, "renegotiationsCompleted", r.completed());
        field(s, "renegotiationsFailed", r.failed());
        reasons(s, "renegotiationFailureReasons", r.failureReasons());
        field(s, "otherRenegotiationFailures", r.otherFailures());
        field(s, "renegotiationSeconds", r.seconds());
        field(s, "renegotiationsPerSecond", r.perSecond());
        field(s, "renegotiationLatencyP50Ms", r.latencyP50Ms());
        field(s, "renegotiationLatencyP90Ms", r.latencyP90Ms());
        field(s, "renegotiationLatencyP99Ms", r.latencyP99Ms());
        field(s, "renegotiationLatencyMaxMs", r.latencyMaxMs());
        field(s, "clientCpuSecondsRenegotiation", r.clientCpuSeconds());
        field(s, "clientCpuMsPerRenegotiation", r.clientCpuMsPerRenegotiation());
    }

    private static void reasons(StringBuilder s, String name, List<Reason> list) {
        s.append('"').append(name).append("\":[");
        for (Reason r : list) {
            s.append("{\"reason\":").append(quote(r.reason())).append(",\"count\":").append(r.count()).append("},");
        }
        if (!list.isEmpty()) {
            s.setLength(s.length() - 1);
        }
        s.append("],");
    }

    private static void field(StringBuilder s, String name, Object value) {
        s.append('"').append(name).append("\":");
        if (value instanceof String str) {
            s.append(quote(str));
        } else if (value instanceof Double d) {
            s.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.3f", d));
        } else {
            s.append(value);
        }
        s.append(',');
    }

    static String quote(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }

    private static String fmt(double v, int decimals, String unit) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", v) + unit;
    }
}
