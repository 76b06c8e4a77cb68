package io.portcullis.e2e;

import java.time.Duration;

/** Bounded wait until something listens on a TCP port inside a namespace ({@code ss -Hltn}). */
final class Listening {

    private Listening() {}

    static void awaitTcp(Processes processes, String ns, String address, int port, ManagedProcess owner, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String want = address + ":" + port;
        while (true) {
            String out = processes.run(ns, Duration.ofSeconds(5), "ss", "-Hltn").stdout();
            if (out.contains(want + " ")) {
                return;
            }
            if (!owner.isAlive()) {
                throw new IllegalStateException(owner.name() + " exited before listening on " + want + "\n" + owner.describe());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nothing listens on " + want + " in " + ns + " after " + timeout
                        + "\n" + owner.describe());
            }
            ManagedProcess.sleep(50);
        }
    }
}
