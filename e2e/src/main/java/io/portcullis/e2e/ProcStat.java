package io.portcullis.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** CPU time and resident memory of a process tree, from /proc. */
public final class ProcStat {

    /** Clock ticks per second for /proc/&lt;pid&gt;/stat (USER_HZ; 100 on Linux x86 and arm). */
    public static final double TICKS_PER_SECOND = 100.0;

    private ProcStat() {}

    /** utime + stime in seconds of the process and all its live descendants. */
    public static double cpuSeconds(ProcessHandle root) {
        long ticks = 0;
        for (ProcessHandle h : tree(root)) {
            ticks += cpuTicks(h.pid());
        }
        return ticks / TICKS_PER_SECOND;
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

    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces and ')': fields after the last ')' start at field 3
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 utime, 15 stime
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<ProcessHandle> tree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        return all;
    }
}
