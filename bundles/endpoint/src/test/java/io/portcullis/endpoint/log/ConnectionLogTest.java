package io.portcullis.endpoint.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConnectionLogTest {

    @TempDir
    Path dir;

    @Test
    void entriesAreOneJsonObjectPerLineWithEveryFieldAndEscaping() throws Exception {
        try (ConnectionLog log = new ConnectionLog(dir, "main", 1 << 20, 3)) {
            log.append(new ConnectionLogEntry(ConnectionLogEntry.Type.ATTEMPT)
                    .set("connection-attempt-status", "failed")
                    .set("connection-attempt-failure-reason", "certificate \"x\" revoked\non 2026-01-01")
                    .set("ingress-bytes", 42)
                    .time("connection-start-time", Instant.parse("2026-11-24T10:15:30Z")));
            List<String> lines = Files.readAllLines(dir.resolve("main.log"));
            assertEquals(1, lines.size());
            String line = lines.get(0);
            assertTrue(line.startsWith("{\"connection-log-type\":\"connection-attempt\",\"connection-attempt-status\":\"failed\""), line);
            assertTrue(line.contains("\"connection-attempt-failure-reason\":\"certificate \\\"x\\\" revoked\\non 2026-01-01\""), line);
            assertTrue(line.contains("\"connection-start-time\":\"2026-11-24 10:15:30\""), line);
            assertTrue(line.contains("\"ingress-bytes\":\"42\""), line);
            assertTrue(line.contains("\"posture-compliance-statuses\":\"NA\""), line);
            assertEquals(23, line.split("\":\"").length - 1, "every field of the managed service's log: " + line);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("main.log"))));
        }
        assertThrows(IllegalArgumentException.class,
                () -> new ConnectionLogEntry(ConnectionLogEntry.Type.RESET).set("password", "x"));
    }

    @Test
    void rotatesBySizeKeepsTheConfiguredCountAndTailsAcrossFiles() throws Exception {
        try (ConnectionLog log = new ConnectionLog(dir, "main", 2000, 2)) {
            for (int i = 0; i < 30; i++) {
                log.append(new ConnectionLogEntry(ConnectionLogEntry.Type.UPDATE).set("connection-id", "c-" + i));
            }
            assertTrue(Files.size(dir.resolve("main.log")) <= 2000);
            assertTrue(Files.exists(dir.resolve("main.log.1")));
            assertTrue(Files.exists(dir.resolve("main.log.2")));
            assertFalse(Files.exists(dir.resolve("main.log.3")));
            List<String> tail = log.tail(5);
            assertEquals(5, tail.size());
            for (int i = 0; i < 5; i++) {
                assertTrue(tail.get(i).contains("\"connection-id\":\"c-" + (25 + i) + "\""), tail.get(i));
            }
        }
        // Reopening appends: nothing is lost across a restart.
        try (ConnectionLog log = new ConnectionLog(dir, "main", 2000, 2)) {
            log.append(new ConnectionLogEntry(ConnectionLogEntry.Type.UPDATE).set("connection-id", "after-restart"));
            List<String> tail = log.tail(2);
            assertTrue(tail.get(0).contains("c-29") && tail.get(1).contains("after-restart"), tail.toString());
        }
    }
}
