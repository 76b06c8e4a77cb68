package io.portcullis.e2e;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** CPU time and resident memory of a process tree, from /proc. */
public final class ProcStat {

    /** Clock ticks per second for /proc/&lt;pid&gt;/stat (USER_HZ; 100 on Linux x86 and arm). */
    public static final double TICKS_PER_SECOND = 100.0;

    private ProcStat() {}

    /** utime + stime in seconds of the process and all its live descendants. */
    public static double cpuSeconds(ProcessHandle root) {
        double[] both = userAndSystemSeconds(root);
        return both[0] + both[1];
    }

    /**
     * utime and stime in seconds of the process and all its live descendants, from one reading of
     * each /proc/&lt;pid&gt;/stat: what it ran itself, and what the kernel ran on its behalf.
     */
    public static double[] userAndSystemSeconds(ProcessHandle root) {
        long user = 0;
        long system = 0;
        for (ProcessHandle h : tree(root)) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
                user += field(stat, 14);
                system += field(stat, 15);
            } catch (IOException e) {
                // gone in between: counts nothing
            }
        }
        return new double[] {user / TICKS_PER_SECOND, system / TICKS_PER_SECOND};
    }

    /**
     * Busy CPU seconds of the whole machine, all cores (/proc/stat: user, nice, system, irq, softirq,
     * steal), and its total: what tells whether a run had cores to spare or was capped by the
     * machine (clients, servers and the kernel's forwarding share it).
     */
    public static double[] machineBusyAndTotalSeconds() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long busy = 0, total = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        long v = Long.parseLong(f[i]);
                        total += v;
                        if (i != 4 && i != 5) { // idle, iowait
                            busy += v;
                        }
                    }
                    return new double[] {busy / TICKS_PER_SECOND, total / TICKS_PER_SECOND};
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to say
        }
        return new double[] {0, 0};
    }

    /** VmRSS in KiB, summed over the process and its live descendants. */
    public static long rssKiB(ProcessHandle root) {
        return statusSum(root, "VmRSS:");
    }

    /** Threads of the process and its live descendants, to see whether sessions cost threads. */
    public static long threads(ProcessHandle root) {
        return statusSum(root, "Threads:");
    }

    /** The number on the {@code field} line of /proc/&lt;pid&gt;/status, summed over the tree. */
    private static long statusSum(ProcessHandle root, String field) {
        long total = 0;
        for (ProcessHandle h : tree(root)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status"))) {
                    if (line.startsWith(field)) {
                        total += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // process gone: counts as nothing
            }
        }
        return total;
    }

    /**
     * utime + stime ticks of a process's threads by name (/proc/&lt;pid&gt;/task/*&#47;stat; Linux cuts
     * names to 15 characters, and trailing digits are dropped so a pool counts as one).
     */
    public static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> ticks = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+$", "#");
                    ticks.merge(name, cpuTicks(stat), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        return ticks;
    }

    /** The threads that used the most CPU between two {@link #threadTicks} samples, e.g. "portcullis-udp-# 30.10 s". */
    public static String topThreads(Map<String, Long> before, Map<String, Long> after, int n) {
        Map<String, Long> delta = new HashMap<>();
        after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
        String top = delta.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .map(e -> String.format(Locale.ROOT, "%s %.2f s", e.getKey(), e.getValue() / TICKS_PER_SECOND))
                .collect(Collectors.joining(", "));
        return top.isEmpty() ? "none above 0.01 s" : top;
    }

    /** CPU ticks of a JVM's JIT compiler threads ("C1 CompilerThre#", "C2 CompilerThre#"). */
    public static long compilerTicks(Map<String, Long> threadTicks) {
        return threadTicks.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /**
     * Waits until a JVM's JIT compilers have used at most {@code maxTicks} of CPU over the last
     * {@code quietSeconds}, at most {@code maxSeconds}: after a burst of connects the compilers go on
     * for tens of seconds, and an idle-CPU figure taken then is the JIT's warm-up, not what idle
     * sessions cost. (A stray compile now and then is allowed: code that idle sessions run compiles
     * late.) Returns the seconds waited, or -1 if the compilers were still busier than that at
     * {@code maxSeconds}.
     */
    public static double awaitCompilersQuiet(long pid, int quietSeconds, long maxTicks, int maxSeconds)
            throws InterruptedException {
        long start = System.nanoTime();
        long window = quietSeconds * 1_000_000_000L;
        List<long[]> samples = new ArrayList<>(); // {nanos, compiler ticks}, oldest first
        while (true) {
            long now = System.nanoTime();
            samples.add(new long[] {now, compilerTicks(threadTicks(pid))});
            // keep the newest sample that is at least a window old, and those after it
            while (samples.size() > 1 && now - samples.get(1)[0] >= window) {
                samples.remove(0);
            }
            long[] oldest = samples.get(0);
            double waited = (now - start) / 1e9;
            if (now - oldest[0] >= window && samples.get(samples.size() - 1)[1] - oldest[1] <= maxTicks) {
                return waited;
            }
            if (waited >= maxSeconds) {
                return -1;
            }
            Thread.sleep(1000);
        }
    }

    /** utime + stime of one /proc/&lt;pid&gt;/stat or /proc/&lt;pid&gt;/task/&lt;tid&gt;/stat line. */
    private static long cpuTicks(String stat) {
        return field(stat, 14) + field(stat, 15); // utime, stime
    }

    /** Field {@code number} (1-based, as in proc(5)) of a stat line, from field 3 on. */
    static long field(String stat, int number) {
        // the command name (field 2) may hold spaces and ')': fields after the last ')' start at field 3
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[number - 3]);
    }

    private static List<ProcessHandle> tree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        return all;
    }
}
