package io.portcullis.e2e;

import java.time.Duration;

/** Bounded wait until a socket listens on address:port inside a namespace ({@code ss -Hl}). */
final class Listening {

    private Listening() {}

    static void awaitTcp(Processes processes, String ns, String address, int port, ManagedProcess owner, Duration timeout) {
        await(processes, ns, Transport.TCP, address, port, owner, timeout);
    }

    static void await(Processes processes, String ns, Transport transport, String address, int port,
                      ManagedProcess owner, Duration timeout) {
        String want = address + ":" + port + " ";
        String flags = transport == Transport.TCP ? "-Hltn" : "-Hlun";
        String what = transport.option() + " " + want + "in " + ns;
        try {
            Waits.until("something listens on " + what, timeout, () -> {
                boolean alive = owner.isAlive();
                String out = processes.run(ns, Duration.ofSeconds(5), "ss", flags).stdout();
                // a wildcard bind serves the address too; a dual-stack (IPv6) socket shows it IPv4-mapped
                if (out.contains(want) || out.contains("[::ffff:" + want.trim() + " ")
                        || out.contains("[::ffff:" + address + "]:" + port + " ")
                        || out.contains("[" + address + "]:" + port + " ")
                        || out.contains("0.0.0.0:" + port + " ") || out.contains("*:" + port + " ")) {
                    return true;
                }
                if (!alive) {
                    throw new IllegalStateException(owner.name() + " exited before listening on " + what);
                }
                return false;
            });
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + owner.describe(), e);
        }
    }
}
