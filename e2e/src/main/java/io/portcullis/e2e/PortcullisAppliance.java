package io.portcullis.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The appliance as a server under test, exactly as issue 4's contract describes it: the built
 * distribution ({@code assembly/target/portcullis-*.tar.gz}) unpacked into the server's work
 * directory, one {@code etc/io.portcullis.endpoint-<name>.cfg} written from the
 * {@link VpnServerConfig}, and {@code bin/karaf server} started as root inside the appliance
 * namespace. Ready when the endpoint listens on {@code listenAddress:vpnPort}.
 *
 * <p>{@code ApplianceTunnelIT} runs the tunnel contract against it, {@code ApplianceEndpointIT}
 * the appliance's own promises; {@code e2e/bench.sh --server portcullis} benchmarks it.
 */
public final class PortcullisAppliance implements VpnServerUnderTest {

    /** System property naming the distribution tar.gz; default: the newest ../assembly/target/portcullis-*.tar.gz. */
    public static final String DISTRIBUTION_PROPERTY = "e2e.appliance.distribution";

    private final Processes processes;
    private final Path distribution;
    private ManagedProcess process;
    private Path home;
    private VpnServerConfig config;
    private final java.util.Map<String, String> extraSettings = new java.util.LinkedHashMap<>();

    public PortcullisAppliance(Processes processes, Path distribution) {
        this.processes = processes;
        this.distribution = distribution;
    }

    public PortcullisAppliance(Processes processes) {
        this(processes, findDistribution());
    }

    /** {@value #DISTRIBUTION_PROPERTY}, else assembly/target/portcullis-*.tar.gz next to this module. */
    public static Path findDistribution() {
        String named = System.getProperty(DISTRIBUTION_PROPERTY);
        if (named != null) {
            return Path.of(named).toAbsolutePath();
        }
        for (Path target : List.of(Path.of("../assembly/target"), Path.of("assembly/target"))) {
            if (Files.isDirectory(target)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "portcullis-*.tar.gz")) {
                    for (Path p : ds) {
                        return p.toAbsolutePath();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalStateException("no appliance distribution: build assembly/ or set -D" + DISTRIBUTION_PROPERTY);
    }

    /**
     * Adds endpoint settings beyond what {@link VpnServerConfig} carries (e.g. sessionTimeoutSeconds,
     * route.1, authorizationRule.1); one the config also writes is replaced by this value.
     */
    public PortcullisAppliance withEndpointSetting(String key, String value) {
        extraSettings.put(key, value);
        return this;
    }

    @Override
    public String name() {
        return "portcullis";
    }

    @Override
    public synchronized void start(VpnServerConfig c, Duration timeout) {
        try {
            config = c;
            home = c.workDir().resolve("karaf");
            Files.createDirectories(home);
            processes.run(null, Duration.ofSeconds(60), "tar", "-xzf", distribution.toString(), "-C", home.toString(),
                    "--strip-components=1").orThrow();
            // The contract: this is the distribution's only endpoint configuration.
            try (DirectoryStream<Path> shipped = Files.newDirectoryStream(home.resolve("etc"), "io.portcullis.endpoint-*.cfg")) {
                for (Path p : shipped) {
                    Files.delete(p);
                }
            }
            Files.writeString(endpointConfigFile(), configText(c));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        boot(c, timeout);
    }

    /** The endpoint configuration file written from {@code c} with the extra settings over it (a setting given twice: the extra one). */
    private String configText(VpnServerConfig c) {
        StringBuilder config = new StringBuilder();
        for (String line : endpointConfig(c).split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0 && extraSettings.containsKey(line.substring(0, eq))) {
                continue;
            }
            config.append(line).append('\n');
        }
        extraSettings.forEach((k, v) -> config.append(k).append(" = ").append(v).append('\n'));
        return config.toString();
    }

    /**
     * Stops the distribution cleanly (SIGTERM to the JVM: Karaf's own shutdown) and boots the same
     * unpacked directory again, keeping etc/ and data/ as they are: what an operator's restart
     * does. Returns once the endpoint listens again.
     */
    public synchronized void restart(Duration timeout) {
        if (config == null) {
            throw new IllegalStateException("not started");
        }
        stop();
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the appliance did not stop: " + process);
        }
        boot(config, timeout);
    }

    private void boot(VpnServerConfig c, Duration timeout) {
        try {
            process = processes.start(name() + "-" + c.transport().option(), c.namespace(),
                    // KARAF_EXEC=exec: bin/karaf execs java, so the PID held is the JVM's (CPU, memory, signals)
                    List.of("env", "KARAF_EXEC=exec", home.resolve("bin").resolve("karaf").toString(), "server"));
            Listening.await(processes, c.namespace(), c.transport(), c.listenAddress(), c.port(), process, timeout);
        } catch (RuntimeException e) {
            stop();
            throw new IllegalStateException(e.getMessage() + "\n--- tail of " + log() + "\n"
                    + ManagedProcess.tail(Processes.read(log()), 40), e);
        }
    }

    /** etc/io.portcullis.endpoint-&lt;name&gt;.cfg of the endpoint under test. */
    public Path endpointConfigFile() {
        if (home == null || config == null) {
            throw new IllegalStateException("not started");
        }
        return home.resolve("etc").resolve("io.portcullis.endpoint-" + config.name() + ".cfg");
    }

    /**
     * The endpoint factory configuration of issues 4 and 5, from the test's server config: every
     * network of {@link VpnServerConfig#routes()} as {@code route.<n> = <cidr>|local|e2e} and
     * {@code authorizationRule.<n> = <cidr>|all-users|e2e}.
     */
    public static String endpointConfig(VpnServerConfig c) {
        StringBuilder s = new StringBuilder("# generated by io.portcullis.e2e.PortcullisAppliance\n");
        s.append("transportProtocol = ").append(c.transport().option()).append('\n');
        s.append("vpnPort = ").append(c.port()).append('\n');
        s.append("listenAddress = ").append(c.listenAddress()).append('\n');
        s.append("clientCidrBlock = ").append(c.clientCidrBlock()).append('\n');
        s.append("serverCertificate = ").append(c.serverCert()).append('\n');
        s.append("serverKey = ").append(c.serverKey()).append('\n');
        s.append("clientRootCertificateChain = ").append(c.caCert()).append('\n');
        if (c.crl() != null) {
            s.append("clientCertificateRevocationList = ").append(c.crl()).append('\n');
        }
        s.append("controlChannelProtection = ").append(c.protection().value()).append('\n');
        if (c.controlChannelKey() != null) {
            s.append("tlsCryptKey = ").append(c.controlChannelKey()).append('\n');
        }
        s.append("authentication = certificate\n");
        s.append("routing = tun\n");
        // The same reach as the stock server, which forwards every client to every pushed route:
        // one route and one all-users rule per network (the appliance denies by default).
        for (int i = 0; i < c.routes().size(); i++) {
            s.append("route.").append(i + 1).append(" = ").append(c.routes().get(i)).append("|local|\n");
            s.append("authorizationRule.").append(i + 1).append(" = ").append(c.routes().get(i)).append("|all-users|\n");
        }
        s.append("dataCiphers = ").append(String.join(",", c.dataCiphers())).append('\n');
        if (c.keepaliveSeconds() > 0) {
            s.append("keepaliveIntervalSeconds = ").append(c.keepaliveSeconds()).append('\n');
        }
        if (c.keepaliveTimeout() > 0) {
            s.append("keepaliveTimeoutSeconds = ").append(c.keepaliveTimeout()).append('\n');
        }
        return s.toString();
    }

    @Override
    public synchronized void stop() {
        if (process != null) {
            process.terminate(Duration.ofSeconds(20));
        }
    }

    @Override
    public ProcessHandle process() {
        if (process == null) {
            throw new IllegalStateException("not started");
        }
        return process.handle();
    }

    /**
     * Runs console commands as an operator on the machine would: piped into {@code bin/client -b}
     * inside the appliance namespace (the console listens on 127.0.0.1 only). Returns what it printed.
     */
    public String console(String namespace, String commands) {
        if (home == null) {
            throw new IllegalStateException("not started");
        }
        Processes.Result result = processes.run(namespace, Duration.ofSeconds(60), "sh", "-c",
                "printf '%s\\n' \"$1\" | \"$2\" -r 20 -d 1 -b", "console", commands,
                home.resolve("bin").resolve("client").toString());
        return result.orThrow().stdout();
    }

    /** The endpoint's connection log (JSON lines). */
    public Path connectionLog(String endpointName) {
        return home.resolve("data").resolve("log").resolve("connections").resolve(endpointName + ".log");
    }

    /** Karaf's log (data/log/karaf.log). */
    @Override
    public Path log() {
        return home == null ? null : home.resolve("data").resolve("log").resolve("karaf.log");
    }

    /** The unpacked distribution (KARAF_HOME). */
    public Path home() {
        return home;
    }
}
