package io.portcullis.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A long-running process started by {@link Processes}: its PID, its output files, bounded waits. */
public final class ManagedProcess {

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    ManagedProcess(String name, List<String> command, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    public Path stdoutFile() {
        return stdout;
    }

    public Path stderrFile() {
        return stderr;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String stdoutText() {
        return Processes.read(stdout);
    }

    public String stderrText() {
        return Processes.read(stderr);
    }

    /** SIGKILL to the process and its descendants; waits (bounded) until they are gone. */
    public void kill() {
        signalTree(true, Duration.ofSeconds(5));
        awaitExit(Duration.ofSeconds(5));
    }

    /**
     * SIGTERM (clean shutdown) to the process and its descendants; SIGKILL to whatever of them
     * has not exited within {@code grace}. Returns the exit code (-1 if it could not be reaped).
     */
    public int terminate(Duration grace) {
        if (!signalTree(false, grace)) {
            signalTree(true, Duration.ofSeconds(5));
        }
        awaitExit(Duration.ofSeconds(5));
        return process.isAlive() ? -1 : process.exitValue();
    }

    /**
     * Signals the process and every descendant (taken before signalling: a child whose parent
     * dies first is re-parented and would be missed after), then waits until all are gone.
     */
    private boolean signalTree(boolean force, Duration wait) {
        List<ProcessHandle> tree = new java.util.ArrayList<>();
        tree.add(process.toHandle());
        process.toHandle().descendants().forEach(tree::add);
        for (ProcessHandle h : tree) {
            if (force) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (ProcessHandle h : tree) {
            while (h.isAlive()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                sleep(20);
            }
        }
        return true;
    }

    /** Waits until the process has exited; false on timeout. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until {@code pattern} appears in {@code file} (a log the process writes); returns the
     * match. Fails at once when the process exits first, and with the log tail on timeout.
     */
    public Matcher awaitLog(Path file, Pattern pattern, Duration timeout) {
        Matcher[] found = new Matcher[1];
        try {
            Waits.until("/" + pattern + "/ in " + file, timeout, () -> {
                boolean alive = process.isAlive(); // before reading: a line written just before exit still counts
                Matcher m = pattern.matcher(Processes.read(file));
                if (m.find()) {
                    found[0] = m;
                    return true;
                }
                if (!alive) {
                    throw new IllegalStateException(name + " exited (code " + process.exitValue() + ") before /"
                            + pattern + "/ appeared in " + file);
                }
                return false;
            });
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + describe(), e);
        }
        return found[0];
    }

    /** Command line and the tail of the output files, for failure messages. */
    public String describe() {
        return "command: " + String.join(" ", command)
                + "\n--- stdout tail (" + stdout + ")\n" + tail(stdoutText(), 40)
                + "\n--- stderr tail (" + stderr + ")\n" + tail(stderrText(), 20);
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + pid() + "]";
    }
}
