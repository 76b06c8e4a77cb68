package io.portcullis.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Shared bits of the end-to-end tests: the root check and a fresh work directory under target/. */
final class E2eSupport {

    private E2eSupport() {}

    /** Skips the calling test class (with the reason) unless running as root. */
    static void assumeRoot() {
        int uid;
        try {
            uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            uid = -1;
        }
        assumeTrue(uid == 0, "end-to-end tests create network namespaces and TUN devices: they need root "
                + "(uid 0, this is uid " + uid + "); run `./portcullis test` as root");
    }

    /** target/e2e/&lt;name&gt;-&lt;time&gt;: config, PKI, logs of one test class, kept for reading after a failure. */
    static Path workDir(String name) {
        Path base = Path.of(System.getProperty("e2e.workDir", "target/e2e")).toAbsolutePath();
        Path dir = base.resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }
}
