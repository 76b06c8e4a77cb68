package io.portcullis.protocol.replay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    private static final long S = 1_000_000_000L;

    @Test
    void zeroAndOutOfRangeIdsAreNeverAccepted() {
        ReplayWindow w = new ReplayWindow();
        assertFalse(w.tryAccept(0, 0));
        assertFalse(w.tryAccept(-1, 0));
        assertFalse(w.tryAccept(1L << 32, 0));
        assertTrue(w.tryAccept(0xFFFF_FFFFL, 0));
    }

    @Test
    void inOrderThenDuplicates() {
        ReplayWindow w = new ReplayWindow();
        for (long i = 1; i <= 200; i++) {
            assertTrue(w.tryAccept(i, 0));
        }
        assertFalse(w.tryAccept(200, 0));
        assertFalse(w.tryAccept(150, 0));
    }

    @Test
    void windowEdges() {
        ReplayWindow w = new ReplayWindow(64, 0);
        assertTrue(w.tryAccept(100, 0));
        assertTrue(w.wouldAccept(37, 0), "highest - 63 is inside a 64 window");
        assertFalse(w.wouldAccept(36, 0), "highest - 64 is outside");
        assertTrue(w.tryAccept(37, 0));
        assertFalse(w.tryAccept(37, 0));
        // A big jump forward clears old slots: ids that alias old slots are fresh.
        assertTrue(w.tryAccept(1000, 0));
        assertTrue(w.tryAccept(999, 0));
        assertTrue(w.tryAccept(1000 - 63, 0));
        assertFalse(w.tryAccept(1000 - 64, 0));
    }

    @Test
    void jumpShorterThanWindowKeepsSeenBits() {
        ReplayWindow w = new ReplayWindow(8, 0);
        assertTrue(w.tryAccept(5, 0));
        assertTrue(w.tryAccept(3, 0));
        assertTrue(w.tryAccept(9, 0));
        assertFalse(w.tryAccept(5, 0));
        assertFalse(w.tryAccept(3, 0));
        assertTrue(w.tryAccept(4, 0));
        assertFalse(w.tryAccept(1, 0), "9 - 1 = 8 is outside an 8 window");
        assertTrue(w.tryAccept(2, 0));
    }

    @Test
    void timeBacktrackExpiresLatePackets() {
        ReplayWindow w = new ReplayWindow(64, 15 * S);
        assertTrue(w.tryAccept(10, 0));
        assertTrue(w.wouldAccept(5, 15 * S), "exactly at the backtrack limit is still fine");
        assertFalse(w.wouldAccept(5, 15 * S + 1));
        assertTrue(w.tryAccept(11, 16 * S));
        assertFalse(w.wouldAccept(5, 16 * S), "10 arrived more than 15 s ago");
        assertFalse(w.wouldAccept(10, 16 * S), "already seen");
        assertTrue(w.tryAccept(12, 16 * S));
        assertFalse(w.wouldAccept(5, 16 * S));
    }

    @Test
    void matchesReferenceModelUnderRandomReordering() {
        Random r = new Random(7);
        ReplayWindow w = new ReplayWindow(32, 0);
        Set<Long> seen = new HashSet<>();
        long highest = 0;
        for (int i = 0; i < 50_000; i++) {
            long id = Math.max(0, highest + r.nextInt(48) - 40);
            boolean expected = id > 0 && !seen.contains(id) && (id > highest || highest - id < 32);
            boolean got = w.tryAccept(id, 0);
            if (got != expected) {
                throw new AssertionError("id " + id + " highest " + highest + " expected " + expected);
            }
            if (got) {
                seen.add(id);
                highest = Math.max(highest, id);
            }
        }
    }

    @Test
    void longFormOrdersByTimeThenId() {
        LongFormReplayWindow w = new LongFormReplayWindow();
        assertTrue(w.tryAccept(1, 1000, 0));
        assertTrue(w.tryAccept(3, 1000, 0));
        assertTrue(w.tryAccept(2, 1000, 0));
        assertFalse(w.tryAccept(2, 1000, 0));
        assertFalse(w.tryAccept(5, 999, 0), "time going backwards");
        assertTrue(w.tryAccept(1, 1001, 0), "new epoch restarts the window");
        assertFalse(w.tryAccept(3, 1000, 0));
        assertFalse(w.tryAccept(0, 2000, 0));
    }
}
