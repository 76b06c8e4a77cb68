package io.portcullis.e2e;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A server the end-to-end tests and the benchmark drive: the stock OpenVPN server as the
 * baseline ({@link StockOpenVpnServer}), and the Portcullis appliance. Every implementation
 * starts its process inside {@link VpnServerConfig#namespace()} through the network's
 * {@link Processes}, so a failed test still kills it by PID.
 */
public interface VpnServerUnderTest extends AutoCloseable {

    /** Short name for reports and log file names ("stock-openvpn", "portcullis"). */
    String name();

    /**
     * Starts the server and returns once it accepts clients on the configured address, or throws
     * (with its log tail) when it exits or is not ready within {@code timeout}.
     */
    void start(VpnServerConfig config, Duration timeout);

    /** Clean shutdown (SIGTERM, bounded), then SIGKILL if needed. Idempotent. */
    void stop();

    /** The server process (its descendants count too) for CPU and memory figures. */
    ProcessHandle process();

    /** The server's main log, for failure messages and for asserting logged reasons. */
    Path log();

    @Override
    default void close() {
        stop();
    }
}
