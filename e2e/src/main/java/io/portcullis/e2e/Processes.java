package io.portcullis.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts commands, optionally inside a network namespace ({@code ip netns exec <ns> ...}, which
 * execs the command, so the PID we hold is the command's own), with stdout and stderr going to
 * files under a log directory. Every process started here is killed by its PID (and its
 * descendants) on {@link #close()}, and by a JVM shutdown hook if close was never reached.
 */
public final class Processes implements AutoCloseable {

    /** Result of a command run to completion. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public Result orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException("command failed (exit " + exitCode + "): "
                        + String.join(" ", command) + "\nstdout: " + stdout.strip() + "\nstderr: " + stderr.strip());
            }
            return this;
        }
    }

    private final Path logDir;
    private final AtomicInteger seq = new AtomicInteger();
    private final Deque<ManagedProcess> started = new ArrayDeque<>();
    private final Thread shutdownHook;

    public Processes(Path logDir) {
        this.logDir = logDir;
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.shutdownHook = new Thread(this::killAll, "e2e-processes-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public Path logDir() {
        return logDir;
    }

    /** {@code ip netns exec <ns>} prefix, or nothing for the root namespace ({@code ns == null}). */
    public static List<String> inNamespace(String ns, List<String> command) {
        List<String> full = new ArrayList<>();
        if (ns != null) {
            full.addAll(List.of("ip", "netns", "exec", ns));
        }
        full.addAll(command);
        return full;
    }

    /** Runs a command to completion (bounded by {@code timeout}; killed and reported when exceeded). */
    public Result run(String ns, Duration timeout, String... command) {
        return run(ns, timeout, List.of(command));
    }

    public Result run(String ns, Duration timeout, List<String> command) {
        List<String> full = inNamespace(ns, command);
        int n = seq.incrementAndGet();
        String base = String.format("run-%04d-%s", n, Path.of(command.get(0)).getFileName());
        Path out = logDir.resolve(base + ".out");
        Path err = logDir.resolve(base + ".err");
        Process p;
        try {
            p = new ProcessBuilder(full)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", full), e);
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p.toHandle());
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", full));
            }
            return new Result(full, p.exitValue(), read(out), read(err));
        } catch (InterruptedException e) {
            killTree(p.toHandle());
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", full), e);
        }
    }

    /** Runs a command that must succeed; returns its stdout. */
    public String check(String ns, Duration timeout, String... command) {
        return run(ns, timeout, command).orThrow().stdout();
    }

    /** Starts a long-running command; it is killed on {@link #close()} if still alive. */
    public ManagedProcess start(String name, String ns, List<String> command) {
        List<String> full = inNamespace(ns, command);
        String base = String.format("%04d-%s", seq.incrementAndGet(), name);
        Path out = logDir.resolve(base + ".out");
        Path err = logDir.resolve(base + ".err");
        try {
            Process p = new ProcessBuilder(full)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            ManagedProcess mp = new ManagedProcess(name, full, p, out, err);
            synchronized (started) {
                started.push(mp);
            }
            return mp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", full), e);
        }
    }

    /** Kills (SIGKILL) every process started here that is still alive, newest first. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // JVM already shutting down: the hook runs (or ran) killAll itself
        }
    }

    private void killAll() {
        List<ManagedProcess> all;
        synchronized (started) {
            all = new ArrayList<>(started);
            started.clear();
        }
        for (ManagedProcess mp : all) {
            mp.kill();
        }
    }

    /** SIGKILL to a process and its descendants, by PID. */
    static void killTree(ProcessHandle h) {
        List<ProcessHandle> victims = new ArrayList<>();
        victims.add(h);
        h.descendants().forEach(victims::add);
        victims.forEach(ProcessHandle::destroyForcibly);
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            // a log with invalid UTF-8 must not hide the rest
            try {
                return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            } catch (IOException e2) {
                throw new UncheckedIOException(e2);
            }
        }
    }
}
