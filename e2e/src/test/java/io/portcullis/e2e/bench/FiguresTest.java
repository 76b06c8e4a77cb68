package io.portcullis.e2e.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FiguresTest {

    private static Figures drifting() {
        Figures f = new Figures();
        f.define("tp", "throughput", "1 client", "Mbit/s", 0);
        f.define("mem", "memory", "per session", "KiB", 1);
        // The machine slows by a third over the run: each server's own spread hides that the
        // appliance is 1.2× the stock server in every round.
        double[] stock = {1000, 800, 600};
        for (double s : stock) {
            f.add("tp", "a", 1.2 * s);
            f.add("tp", "b", s);
        }
        f.add("mem", "a", 40);
        f.add("mem", "b", 150);
        return f;
    }

    @Test
    void pairedRatiosDivideEachRoundByTheOtherServersSameRound() {
        Figures f = drifting();
        assertArrayEquals(new double[] {1.2, 1.2, 1.2}, f.pairedRatios("tp", "a", "b"), 1e-9);
        assertArrayEquals(new double[] {200, 160, 120}, f.pairedDifferences("tp", "a", "b"), 1e-9);
        assertEquals(1.2, Stats.median(f.pairedRatios("tp", "a", "b")), 1e-9);
    }

    @Test
    void unequalRoundsHaveNoPairs() {
        Figures f = drifting();
        f.add("tp", "a", 900); // a round the other server failed
        assertEquals(0, f.pairedRatios("tp", "a", "b").length);
        assertEquals(0, f.pairedRatios("no such figure", "a", "b").length);
    }

    @Test
    void tableShowsTheRoundsRatioOnlyForPairedFigures() {
        String table = drifting().table(List.of("a", "b"), List.of("appliance", "stock"), "tp"::equals);
        assertTrue(table.contains("per-round ratio median (min–max)"), table);
        String tp = table.lines().filter(l -> l.startsWith("| 1 client")).findFirst().orElseThrow();
        assertTrue(tp.contains("| 1.20× (1.20–1.20) |"), tp);
        String mem = table.lines().filter(l -> l.startsWith("| per session")).findFirst().orElseThrow();
        assertTrue(mem.contains("| — |"), mem);
        // every row has as many cells as the heading
        long cells = table.lines().findFirst().orElseThrow().chars().filter(c -> c == '|').count();
        table.lines().forEach(l -> assertEquals(cells, l.chars().filter(c -> c == '|').count(), l));
    }

    @Test
    void withoutPairsTheTableKeepsItsColumns() {
        String table = drifting().table(List.of("a", "b"), List.of("appliance", "stock"), k -> false);
        assertFalse(table.contains("per-round ratio"), table);
        assertTrue(table.lines().filter(l -> l.startsWith("| 1 client")).findFirst().orElseThrow().endsWith("| 1.20× |"));
    }
}
