package io.portcullis.loadclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadReportTest {

    private static final LoadReport.Renegotiations RENEGOTIATIONS = new LoadReport.Renegotiations(1000, 1000, 998,
            2, List.of(new LoadReport.Reason("key negotiation did not complete within hand-window", 2)), 0, 4.0,
            249.5, 30.25, 60, 80, 95, 1.5);

    private static LoadReport sample(double p50) {
        return sample(p50, LoadReport.Renegotiations.NONE);
    }

    private static LoadReport sample(double p50, LoadReport.Renegotiations renegotiations) {
        return new LoadReport("172.31.255.1:1194/udp", "rate unlimited, concurrency 64", 1000, 1000, 997, 3,
                List.of(new LoadReport.Reason("TLS failure: \"bad\"\n", 2),
                        new LoadReport.Reason("key negotiation did not complete within hand-window", 1)),
                0, List.of(), 3.25, 306.8, p50, 90.5, 120.25, 130, 30, 995, 2, 995, 3000, 3100, 4.5, 2.25, 8.0,
                512_000, renegotiations, false);
    }

    @Test
    void percentilesAreNearestRank() {
        long[] ms = new long[100];
        for (int i = 0; i < 100; i++) {
            ms[i] = (100 - i) * 1_000_000L; // 1..100 ms, unsorted
        }
        double[] s = LoadReport.latencySummaryMs(ms);
        assertEquals(50.0, s[0]);
        assertEquals(90.0, s[1]);
        assertEquals(99.0, s[2]);
        assertEquals(100.0, s[3]);
        assertTrue(Double.isNaN(LoadReport.latencySummaryMs(new long[0])[0]));
        assertEquals(7.0, LoadReport.percentile(new long[] {7}, 99));
    }

    @Test
    void jsonIsOneObjectWithNullForWhatWasNotMeasured() {
        String json = sample(Double.NaN).toJson();
        assertTrue(json.startsWith("{\"server\":\"172.31.255.1:1194/udp\",") && json.endsWith("}"), json);
        assertTrue(json.contains("\"latencyP50Ms\":null,"), json);
        assertTrue(json.contains("\"latencyP90Ms\":90.500,"), json);
        assertTrue(json.contains("\"failureReasons\":[{\"reason\":\"TLS failure: \\\"bad\\\"\\n\",\"count\":2},"
                + "{\"reason\":\"key negotiation did not complete within hand-window\",\"count\":1}],"), json);
        assertTrue(json.contains("\"lostReasons\":[],"), json);
        assertTrue(json.contains("\"clientCpuMsPerHandshake\":4.514,"), json);
        assertTrue(json.contains("\"sessionsHeldAtEndOfHold\":995,"), json);
        assertTrue(json.contains("\"renegotiationsRequested\":0,"), json);
        assertTrue(json.contains("\"renegotiationLatencyP50Ms\":null,"), json);
        assertTrue(json.contains("\"stopped\":false}"), json);
        assertEquals(1, json.chars().filter(c -> c == '\n').count() + 1);
    }

    @Test
    void textTableListsTheFiguresAndReasons() {
        String text = sample(42.125).toText();
        for (String line : List.of("sessions established +997", "handshakes per second +306.8",
                "handshake latency p50 +42.1 ms", "  2 x +TLS failure: \"bad\"", "client CPU per handshake +4.51 ms",
                "client resident memory +500 MiB")) {
            assertTrue(text.lines().anyMatch(l -> l.matches("  " + line)), line + " in\n" + text);
        }
        assertTrue(sample(Double.NaN).toText().lines().anyMatch(l -> l.matches("  handshake latency p50 +n/a")));
    }

    @Test
    void renegotiationFiguresAppearWhenRequested() {
        String json = sample(42, RENEGOTIATIONS).toJson();
        for (String field : List.of("\"renegotiationsRequested\":1000,", "\"renegotiationsCompleted\":998,",
                "\"renegotiationsFailed\":2,", "\"renegotiationFailureReasons\":[{\"reason\":\"key negotiation"
                        + " did not complete within hand-window\",\"count\":2}],",
                "\"renegotiationsPerSecond\":249.500,", "\"renegotiationLatencyP99Ms\":80.000,",
                "\"clientCpuMsPerRenegotiation\":1.503,")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        String text = sample(42, RENEGOTIATIONS).toText();
        for (String line : List.of("renegotiations completed +998", "renegotiations failed +2",
                "  2 x +key negotiation did not complete within hand-window", "renegotiations per second +249.5",
                "renegotiation latency p50 +30.3 ms", "client CPU per renegotiation +1.50 ms")) {
            assertTrue(text.lines().anyMatch(l -> l.matches("  " + line)), line + " in\n" + text);
        }
        assertTrue(sample(42).toText().lines().noneMatch(l -> l.contains("renegotiation")));
    }

    @Test
    void reasonCounterKeepsFirstSeenOrder() {
        LoadRun.ReasonCounter c = new LoadRun.ReasonCounter();
        for (String r : List.of("b", "a", "b", "c", "d", "e", "f", "f")) {
            c.add(r);
        }
        assertEquals(List.of(new LoadReport.Reason("b", 2), new LoadReport.Reason("a", 1)), c.top(2));
        assertEquals(5, c.othersBeyond(2));
    }
}
