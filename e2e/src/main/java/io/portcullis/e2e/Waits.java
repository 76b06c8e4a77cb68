package io.portcullis.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Bounded polling waits (every wait in the harness has a deadline). */
public final class Waits {

    private Waits() {}

    /** Polls {@code condition} every 50 ms; throws with {@code what} when it is not true within {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + timeout + ": " + what);
            }
            ManagedProcess.sleep(50);
        }
    }

    /** Waits until {@code pattern} occurs in {@code file}; returns the first match. */
    public static Matcher forLog(Path file, Pattern pattern, Duration timeout) {
        Matcher[] found = new Matcher[1];
        try {
            until("/" + pattern + "/ in " + file, timeout, () -> {
                Matcher m = pattern.matcher(Processes.read(file));
                if (m.find()) {
                    found[0] = m;
                    return true;
                }
                return false;
            });
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n--- tail of " + file + "\n"
                    + ManagedProcess.tail(Processes.read(file), 30), e);
        }
        return found[0];
    }
}
