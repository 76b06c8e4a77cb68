package io.portcullis.loadclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.wrap.StaticKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The load client against an in-process ServerSession responder over loopback UDP. */
class LoadClientLoopbackTest {

    @TempDir
    static Path dir;
    static TestPkiFiles pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = new TestPkiFiles(dir.resolve("pki"));
    }

    private record Outcome(int status, String stdout, String stderr) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadClient.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    @Timeout(60)
    void opensHoldsAndEndsRealSessions() throws Exception {
        try (UdpResponder server = new UdpResponder(pki.server, pki.tlsCrypt)) {
            Outcome o = run("--server", "127.0.0.1:" + server.address().getPort(), "--ca", pki.ca.toString(),
                    "--cert", pki.clientCert.toString(), "--key", pki.clientKey.toString(),
                    "--tls-crypt", pki.tlsCryptFile.toString(), "--sessions", "6", "--concurrency", "3",
                    "--threads", "2", "--hold", "3", "--timeout", "20", "--json");
            assertEquals(0, o.status(), o.stdout() + o.stderr());
            String json = o.stdout().strip();
            assertTrue(json.startsWith("{") && json.endsWith("}") && !json.contains("\n"), json);
            assertTrue(json.contains("\"sessionsRequested\":6,"), json);
            assertTrue(json.contains("\"sessionsEstablished\":6,"), json);
            assertTrue(json.contains("\"sessionsFailed\":0,"), json);
            assertTrue(json.contains("\"sessionsHeldAtEndOfHold\":6,"), json);
            assertTrue(json.contains("\"exitNotifiesSent\":6,"), json);
            assertTrue(json.contains("\"failureReasons\":[],"), json);
            assertEquals(6, server.established.get());
            // ping 1 pushed, 3 s held: every session kept the server's keepalive happy itself
            assertTrue(server.pingsReceived.get() >= 6, "pings seen by the server: " + server.pingsReceived.get());
            await("6 explicit-exit-notify messages at the server", Duration.ofSeconds(10),
                    () -> server.exitsReceived.get() == 6);
            await("6 sessions closed at the server", Duration.ofSeconds(10), () -> server.closed.get() == 6);
            for (String phase : new String[] {"ramp started", "ramp done", "hold started", "hold done",
                "teardown done"}) {
                assertTrue(o.stderr().contains("load-client: " + phase), phase + " in\n" + o.stderr());
            }
        }
    }

    @Test
    @Timeout(60)
    void renegotiatesHeldSessionsAgainstTheServerEngine() throws Exception {
        try (UdpResponder server = new UdpResponder(pki.server, pki.tlsCrypt)) {
            Outcome o = run("--server", "127.0.0.1:" + server.address().getPort(),
                    "--cert", pki.clientCert.toString(), "--key", pki.clientKey.toString(),
                    "--tls-crypt", pki.tlsCryptFile.toString(), "--sessions", "5", "--renegotiate", "4",
                    "--concurrency", "2", "--threads", "2", "--hold", "3", "--timeout", "20", "--json");
            assertEquals(0, o.status(), o.stdout() + o.stderr());
            String json = o.stdout().strip();
            for (String field : new String[] {"\"renegotiationsRequested\":4,", "\"renegotiationsStarted\":4,",
                "\"renegotiationsCompleted\":4,", "\"renegotiationsFailed\":0,",
                "\"renegotiationFailureReasons\":[],", "\"sessionsHeldAtEndOfHold\":5,"}) {
                assertTrue(json.contains(field), field + " in " + json);
            }
            assertTrue(json.matches(".*\"renegotiationLatencyP50Ms\":[0-9.]+,.*"), json);
            assertEquals(5, server.established.get()); // renegotiation is no new connection
            // the pings of the held time after the renegotiations are sealed with the new key (id 1)
            assertTrue(server.pingsByKeyId.get(1) >= 4, "pings on key 1: " + server.pingsByKeyId.get(1));
            String stderr = o.stderr();
            int started = stderr.indexOf("load-client: renegotiation started");
            int done = stderr.indexOf("load-client: renegotiation done: 4 completed, 0 failed of 4 started");
            assertTrue(stderr.indexOf("load-client: hold started") < started && started < done
                    && done < stderr.indexOf("load-client: hold done"), stderr);
        }
    }

    @Test
    @Timeout(60)
    void reportsWhyHandshakesFail() throws Exception {
        Path wrongKey = Files.writeString(dir.resolve("wrong-tls-crypt.key"),
                StaticKey.generate(new SecureRandom()).toText());
        try (UdpResponder server = new UdpResponder(pki.server, pki.tlsCrypt)) {
            Outcome o = run("--server", "127.0.0.1:" + server.address().getPort(),
                    "--cert", pki.clientCert.toString(), "--key", pki.clientKey.toString(),
                    "--tls-crypt", wrongKey.toString(), "--sessions", "2", "--timeout", "2", "--threads", "1");
            assertEquals(1, o.status(), o.stdout() + o.stderr());
            for (String line : java.util.List.of("sessions established +0", "sessions failed +2",
                    "  2 x +key negotiation did not complete within hand-window")) {
                assertTrue(o.stdout().lines().anyMatch(l -> l.matches("  " + line)), line + " in\n" + o.stdout());
            }
            assertEquals(0, server.established.get());
        }
    }

    @Test
    void refusesWhatTheFileDescriptorLimitCannotHold() {
        String why = LoadClient.checkLimits(Integer.MAX_VALUE - 100);
        assertTrue(why != null && (why.contains("prlimit --nofile=") || why.contains("ip_local_port_range")), why);
        assertEquals(null, LoadClient.checkLimits(10));
    }

    @Test
    void usageErrorsExitWithTwo() {
        Outcome o = run("--server", "127.0.0.1:1194", "--sessions", "0", "--cert", "a", "--key", "b");
        assertEquals(2, o.status());
        assertTrue(o.stderr().contains("--sessions must be at least 1"), o.stderr());
        assertEquals(0, run("--help").status());
    }
}
