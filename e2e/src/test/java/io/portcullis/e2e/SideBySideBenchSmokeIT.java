package io.portcullis.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.portcullis.e2e.bench.SideBySideBench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6: CI runs the side-by-side benchmark once, in its smoke mode ({@code --quick}: one round,
 * 1 s runs, a handful of clients), so that the benchmark keeps working. It checks that every part
 * ran against both servers and that the report carries figures for both; nothing about speed.
 */
@Timeout(600)
class SideBySideBenchSmokeIT {

    /** One row per part: its figure must have a median for the appliance and for the stock server. */
    private static final List<String> ROWS = List.of(
            "| 1 client, client→network |",
            "| per GB carried, 1 client, network→client |",
            "| added latency (tunnel − plain), median |",
            "| server CPU per handshake",
            "| RSS growth per added session",
            "| server CPU idle with 0 clients");

    @Test
    void quickModeRunsEveryPartAgainstBothServersAndReportsFiguresForBoth() throws Exception {
        E2eSupport.assumeRoot();
        // main() exits the JVM when there is no distribution; say so here instead.
        assertTrue(Files.isRegularFile(PortcullisAppliance.findDistribution()),
                "no appliance distribution under assembly/target: build it first");
        Path work = E2eSupport.workDir(getClass().getSimpleName()).resolve("bench");

        SideBySideBench.main(new String[] {"--quick", "--work", work.toString()});

        Path report = work.resolve("report.md");
        assertTrue(Files.isRegularFile(report), "no report at " + report);
        String text = Files.readString(report);
        for (String line : text.lines().toList()) {
            if (line.contains("FAILED") || line.matches(".*side-by-side bench: .* failed.*")) {
                fail("a part of the benchmark failed: " + line + "\n\n" + text);
            }
        }
        assertTrue(text.contains("### Issue 6 targets"), "no targets section:\n" + text);
        for (String row : ROWS) {
            String line = text.lines().filter(l -> l.startsWith(row)).findFirst()
                    .orElseGet(() -> fail("no row " + row + " in the report:\n" + text));
            // | figure | unit | appliance median | appliance min–max | stock median | ...
            String[] cells = line.split("\\|");
            assertNumber(cells[3], "appliance median", line);
            assertNumber(cells[5], "stock median", line);
        }
    }

    private static void assertNumber(String cell, String what, String line) {
        String v = cell.trim().replace(",", "");
        try {
            Double.parseDouble(v);
        } catch (NumberFormatException e) {
            fail(what + " is not a number (" + cell.trim() + ") in: " + line);
        }
    }
}
