package io.portcullis.e2e.bench;

import io.portcullis.e2e.Processes;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code jcmd} against the appliance's JVM: a full GC before a memory reading, the heap in use, its flags. */
final class Jcmd {

    private static final Pattern HEAP = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K");
    private static final Duration BOUND = Duration.ofSeconds(60);

    /** Java heap committed and used after the last GC, in KiB (from GC.heap_info). */
    record Heap(long totalKiB, long usedKiB) {}

    private Jcmd() {}

    /** {@code jcmd <pid> GC.run}: System.gc() in the target, a full collection with G1. */
    static void gc(Processes processes, long pid) {
        processes.run(null, BOUND, "jcmd", Long.toString(pid), "GC.run").orThrow();
    }

    static Heap heap(Processes processes, long pid) {
        String out = processes.run(null, BOUND, "jcmd", Long.toString(pid), "GC.heap_info").orThrow().stdout();
        Matcher m = HEAP.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no heap total/used in jcmd GC.heap_info output: " + out);
        }
        return new Heap(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    /** The collector and heap bounds the JVM runs with (from VM.flags), e.g. "UseG1GC MaxHeapSize=6.0 GiB". */
    static String heapFlags(Processes processes, long pid) {
        try {
            String out = processes.run(null, BOUND, "jcmd", Long.toString(pid), "VM.flags").orThrow().stdout();
            StringBuilder s = new StringBuilder();
            Matcher gc = Pattern.compile("-XX:\\+(Use\\w+GC)").matcher(out);
            if (gc.find()) {
                s.append(gc.group(1));
            }
            for (String flag : new String[] {"InitialHeapSize", "MaxHeapSize"}) {
                Matcher m = Pattern.compile("-XX:" + flag + "=(\\d+)").matcher(out);
                if (m.find()) {
                    s.append(' ').append(flag).append('=')
                            .append(Stats.fmt(Long.parseLong(m.group(1)) / 1024.0 / 1024.0, 0)).append(" MiB");
                }
            }
            return s.toString();
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
    }
}
