package io.portcullis.loadclient;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's CPU time, resident memory and file-descriptor limit, from /proc (Linux). */
final class ProcSelf {

    /** USER_HZ, the unit of utime/stime in /proc/&lt;pid&gt;/stat (100 on Linux x86 and arm). */
    static final double TICKS_PER_SECOND = 100.0;

    private ProcSelf() {
    }

    /** utime + stime of this process (all threads) in seconds; NaN where /proc is missing. */
    static double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND; // fields 14, 15
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** VmRSS in KiB, -1 where /proc is missing. */
    static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1;
    }

    /** The soft RLIMIT_NOFILE this process runs with ("Max open files"), -1 if unknown. */
    static long maxOpenFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1;
    }

    /** File descriptors open now, -1 if unknown. */
    static long openFiles() {
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path ignored : ds) {
                n++;
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
