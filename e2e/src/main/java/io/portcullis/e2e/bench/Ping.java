package io.portcullis.e2e.bench;

import io.portcullis.e2e.Processes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Paced {@code ping} from a namespace: every reply's RTT, so medians and percentiles can be taken. */
final class Ping {

    private static final Pattern RTT = Pattern.compile("time=([0-9.]+) ms");

    /** RTTs in milliseconds of the replies, and how many were sent. */
    record Result(int sent, double[] rttMillis) {
        int lost() {
            return sent - rttMillis.length;
        }

        double median() {
            return Stats.median(rttMillis);
        }

        double p90() {
            return Stats.percentile(rttMillis, 90);
        }
    }

    private Ping() {}

    /**
     * {@code count} echo requests from {@code ns} to {@code address}, one every {@code intervalSeconds}
     * (below 0.2 s needs root), 56 data bytes, each waited for up to 1 s.
     */
    static Result run(Processes processes, String ns, String address, int count, double intervalSeconds) {
        // Twice the asked time: ping -i 0.010 sends one every 13.6 ms on these machines, not 10.
        Duration bound = Duration.ofMillis((long) (count * intervalSeconds * 2000) + 15_000);
        Processes.Result r = processes.run(ns, bound, "ping", "-n", "-c", Integer.toString(count),
                "-i", String.format(Locale.ROOT, "%.3f", intervalSeconds), "-W", "1", address);
        List<Double> rtts = new ArrayList<>();
        Matcher m = RTT.matcher(r.stdout());
        while (m.find()) {
            rtts.add(Double.parseDouble(m.group(1)));
        }
        if (rtts.isEmpty()) {
            throw new IllegalStateException("no ping replies from " + address + " in " + ns + ": " + r.stdout() + r.stderr());
        }
        return new Result(count, Stats.array(rtts));
    }
}
