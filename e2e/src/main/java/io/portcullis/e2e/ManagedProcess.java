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

    /** SIGKILL to the process and its descendants; waits (bounded) until it is gone. */
    public void kill() {
        if (process.isAlive()) {
            Processes.killTree(process.toHandle(), true);
        }
        awaitExit(Duration.ofSeconds(5));
    }

    /** SIGTERM (clean shutdown); SIGKILL if it has not exited within {@code grace}. Returns the exit code. */
    public int terminate(Duration grace) {
        if (process.isAlive()) {
            Processes.killTree(process.toHandle(), false);
            if (!awaitExit(grace)) {
                kill();
            }
        }
        return process.isAlive() ? -1 : process.exitValue();
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
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = Processes.read(file);
            Matcher m = pattern.matcher(text);
            if (m.find()) {
                return m;
            }
            if (!process.isAlive()) {
                // one last read: the line may have been written just before exit
                m = pattern.matcher(Processes.read(file));
                if (m.find()) {
                    return m;
                }
                throw new IllegalStateException(name + " exited (code " + process.exitValue() + ") before /"
                        + pattern + "/ appeared in " + file + "\n" + describe());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": /" + pattern + "/ not in " + file + " within " + timeout
                        + "\n" + describe());
            }
            sleep(50);
        }
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
