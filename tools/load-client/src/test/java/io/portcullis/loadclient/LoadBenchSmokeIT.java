package io.portcullis.loadclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portcullis.e2e.load.LoadBench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6: CI runs the load benchmark (tools/load-client/load-bench.sh's driver, e2e's LoadBench)
 * once, small, so that it keeps working: 200 sessions from this module's load-client.jar against
 * the built appliance in network namespaces, renegotiated, held and torn down. It checks that
 * every session was established, renegotiated and ended, and that the report has its figures;
 * nothing about speed.
 */
@Timeout(420)
class LoadBenchSmokeIT {

    private static final int SESSIONS = 200;

    @Test
    void twoHundredSessionsAreEstablishedRenegotiatedHeldAndEndedAndTheReportHasItsFigures() throws Exception {
        assumeTrue(uid() == 0, "the load benchmark creates network namespaces and TUN devices: it needs root");
        Path jar = Path.of(System.getProperty("loadclient.jar", "target/load-client.jar"));
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": run after package");
        Path work = Path.of(System.getProperty("e2e.workDir", "target/e2e"))
                .resolve("LoadBenchSmokeIT-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

        String out = captureStdout(() -> LoadBench.main(new String[] {
                "--client-jar", jar.toString(), "--work", work.toString(),
                "--sessions", Integer.toString(SESSIONS), "--hold", "15", "--renegotiate", Integer.toString(SESSIONS)}));

        // | sessions | established | failed | held (client / appliance) | handshakes/s | ... | live after teardown |
        String row = out.lines().filter(l -> l.startsWith("| " + SESSIONS + " | ")).findFirst()
                .orElseGet(() -> fail("no summary row for " + SESSIONS + " sessions:\n" + out));
        String[] cells = row.split("\\|");
        assertEquals(Integer.toString(SESSIONS), cells[2].trim(), "established, in: " + row);
        assertEquals("0", cells[3].trim(), "failed, in: " + row);
        assertEquals(SESSIONS + " / " + SESSIONS, cells[4].trim(), "held by the client / the appliance, in: " + row);
        assertEquals("0", cells[cells.length - 1].trim(), "live connections after the teardown, in: " + row);
        assertFigures(cells, 5, row);
        // | sessions | renegotiations completed / failed | ...
        String renegotiation = out.lines().filter(l -> l.startsWith("| " + SESSIONS + " | " + SESSIONS + " / 0 |"))
                .findFirst().orElseGet(() -> fail("not every session renegotiated:\n" + out));
        assertFigures(renegotiation.split("\\|"), 3, renegotiation);
    }

    /** Cells {@code from} on of a Markdown table row hold figures (numbers, "a / b", "x (y)"). */
    private static void assertFigures(String[] cells, int from, String row) {
        for (int i = from; i < cells.length; i++) {
            assertTrue(cells[i].trim().matches("[-0-9.,/ ()]+"), "not a figure: '" + cells[i].trim() + "' in: " + row);
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    /** LoadBench reports on System.out; the test reads that report and passes it on. */
    private static String captureStdout(Body body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream tee = new PrintStream(new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                bytes.write(b, off, len);
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8)) {
            System.setOut(tee);
            body.run();
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
