package io.portcullis.benchmarks;

import io.portcullis.protocol.replay.ReplayWindow;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link ReplayWindow#tryAccept} as the receive path calls it after authentication, with
 * OpenVPN's default window (64 packets, 15 s time backtrack; the time rule is evaluated but never
 * fires, since the clock is held still):
 * <ul>
 * <li>{@link #inOrder}: ids 1, 2, 3, ... (every one accepted);
 * <li>{@link #slightlyReordered}: blocks of 8 arriving as 0,1,3,2,4,7,5,6 (3 ids in 8 are 1 or 2
 * behind the highest and take the out-of-order path; every one accepted);
 * <li>{@link #replayed}: ids 1..64 already seen, offered again in turn (every one refused).
 * </ul>
 * Each benchmark also checks the verdict, so a change in the window's semantics fails the run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReplayWindowBenchmark {

    private static final long LAST_ID = 0xFFFF_FFFFL;
    private static final int[] REORDER = {0, 1, 3, 2, 4, 7, 5, 6};
    private static final long NOW = 0L;

    private ReplayWindow inOrderWindow;
    private long nextId;

    private ReplayWindow reorderWindow;
    private long blockBase;
    private int blockIndex;

    private ReplayWindow replayWindow;
    private int replayIndex;

    @Setup(Level.Trial)
    public void setUp() {
        inOrderWindow = new ReplayWindow();
        nextId = 1;
        reorderWindow = new ReplayWindow();
        blockBase = 1;
        blockIndex = 0;
        replayWindow = new ReplayWindow();
        for (long id = 1; id <= ReplayWindow.DEFAULT_SIZE; id++) {
            replayWindow.tryAccept(id, NOW);
        }
        replayIndex = 0;
    }

    @Benchmark
    public boolean inOrder() {
        long id = nextId;
        if (id > LAST_ID) { // 32-bit id space used up: a new key would start over
            inOrderWindow.reset();
            id = 1;
        }
        nextId = id + 1;
        return check(inOrderWindow.tryAccept(id, NOW), true);
    }

    @Benchmark
    public boolean slightlyReordered() {
        int i = blockIndex;
        long base = blockBase;
        if (i == REORDER.length) {
            i = 0;
            base += REORDER.length;
            if (base + REORDER.length - 1 > LAST_ID) {
                reorderWindow.reset();
                base = 1;
            }
            blockBase = base;
        }
        blockIndex = i + 1;
        return check(reorderWindow.tryAccept(base + REORDER[i], NOW), true);
    }

    @Benchmark
    public boolean replayed() {
        int i = replayIndex;
        replayIndex = (i + 1) & (ReplayWindow.DEFAULT_SIZE - 1);
        return check(replayWindow.tryAccept(i + 1, NOW), false);
    }

    private static boolean check(boolean verdict, boolean expected) {
        if (verdict != expected) {
            throw new IllegalStateException("replay window verdict " + verdict + ", expected " + expected);
        }
        return verdict;
    }
}
