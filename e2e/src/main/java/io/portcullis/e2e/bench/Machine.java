package io.portcullis.e2e.bench;

import io.portcullis.e2e.ProcStat;

import io.portcullis.e2e.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What the benchmark ran on: CPUs, CPU model, memory, kernel, OS and the versions of the tools, as text. */
final class Machine {

    private Machine() {}

    /** Markdown lines (each "- key: value") describing the machine and the software under test. */
    static String describe(Processes processes) {
        StringBuilder s = new StringBuilder();
        s.append("- CPUs: `nproc` ").append(firstLine(processes, "nproc"))
                .append(", CPU model \"").append(cpuModel()).append("\" (/proc/cpuinfo), RAM ")
                .append(memTotalGiB()).append(" GiB\n");
        s.append("- OS: ").append(osName()).append(", kernel ").append(read("/proc/sys/kernel/osrelease").strip()).append('\n');
        List<String> ovpn = lines(processes, "openvpn", "--version");
        s.append("- ").append(ovpn.isEmpty() ? "openvpn: not found" : ovpn.get(0));
        ovpn.stream().filter(l -> l.startsWith("library versions:")).findFirst()
                .ifPresent(l -> s.append(" (").append(l).append(')'));
        s.append('\n');
        List<String> java = lines(processes, "java", "-version");
        s.append("- java -version: ").append(String.join(" / ", java)).append('\n');
        s.append("- ").append(firstLine(processes, "iperf3", "--version")).append(", ")
                .append(firstLine(processes, "ping", "-V")).append('\n');
        return s.toString();
    }

    /**
     * Waits until the whole machine is quiet (under {@code maxBusyPercent} busy over each of three
     * one-second samples in a row, /proc/stat), at most {@code atMost}. The kernel tears down deleted
     * network namespaces in the background for many seconds: a server measured right after another
     * server's network was removed would share the CPUs with that clean-up.
     *
     * @return the seconds waited and the busy share of the last sample, in %
     */
    static double[] awaitQuiet(double maxBusyPercent, Duration atMost) {
        long start = System.nanoTime();
        long deadline = start + atMost.toNanos();
        int quietSamples = 0;
        double busyPercent = Double.NaN;
        double[] before = ProcStat.machineBusyAndTotalSeconds();
        while (quietSamples < 3 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            double[] now = ProcStat.machineBusyAndTotalSeconds();
            double total = now[1] - before[1];
            busyPercent = total > 0 ? (now[0] - before[0]) / total * 100 : 0;
            quietSamples = busyPercent < maxBusyPercent ? quietSamples + 1 : 0;
            before = now;
        }
        return new double[] {(System.nanoTime() - start) / 1e9, busyPercent};
    }

    static String cpuModel() {
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return "unknown";
    }

    private static String memTotalGiB() {
        for (String line : read("/proc/meminfo").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return String.format(Locale.ROOT, "%.1f", kib / 1024.0 / 1024.0);
            }
        }
        return "?";
    }

    private static String osName() {
        for (String line : read("/etc/os-release").split("\n")) {
            if (line.startsWith("PRETTY_NAME=")) {
                return line.substring("PRETTY_NAME=".length()).replace("\"", "");
            }
        }
        return "unknown";
    }

    private static String firstLine(Processes processes, String... command) {
        List<String> l = lines(processes, command);
        return l.isEmpty() ? command[0] + ": not found" : l.get(0);
    }

    /** stdout then stderr of a short command (java -version writes to stderr), non-blank lines. */
    private static List<String> lines(Processes processes, String... command) {
        try {
            Processes.Result r = processes.run(null, Duration.ofSeconds(20), command);
            return (r.stdout() + "\n" + r.stderr()).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }
}
