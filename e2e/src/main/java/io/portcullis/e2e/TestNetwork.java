package io.portcullis.e2e;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Three kinds of network namespace joined by veth links, named with a random suffix:
 *
 * <pre>
 *   client ns (one per client)           appliance ns                       private ns
 *   eth0 172.31.255.(10+i)/24 ---- veth ---- cliN ] bridge inet0 172.31.255.1/24
 *                                            priv0 10.0.0.1/24 ---- veth ---- eth0 10.0.0.10/24
 *                                                                              default via 10.0.0.1
 * </pre>
 *
 * The "internet" segment is a bridge in the appliance namespace, so one or many client
 * namespaces reach the appliance's listen address {@link #APPLIANCE_ADDRESS}. Client namespaces
 * have no route to 10.0.0.0/24: only a VPN tunnel gives them one. The appliance namespace
 * forwards IPv4. The private host replies to any address through the appliance (default route),
 * so a server that does no NAT works too.
 *
 * {@link #close()} kills every process started through {@link #processes()} and deletes the
 * namespaces (which deletes the veth links and the bridge with them); a shutdown hook does the
 * same if close is never reached.
 */
public final class TestNetwork implements AutoCloseable {

    public static final String APPLIANCE_ADDRESS = "172.31.255.1";
    public static final String INTERNET_CIDR = "172.31.255.0/24";
    public static final String PRIVATE_CIDR = "10.0.0.0/24";
    public static final String PRIVATE_GATEWAY = "10.0.0.1";
    public static final String PRIVATE_HOST = "10.0.0.10";
    /** Interface names inside the namespaces (each namespace has its own, so they are fixed). */
    public static final String APPLIANCE_INTERNET_IF = "inet0";
    public static final String APPLIANCE_PRIVATE_IF = "priv0";

    private static final Duration CMD = Duration.ofSeconds(10);

    private final String suffix;
    private final Processes processes;
    private final List<String> clientNamespaces = new ArrayList<>();
    private final String applianceNamespace;
    private final String privateNamespace;
    private final List<String> created = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean closed;

    private TestNetwork(Path workDir, int clients) {
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        this.suffix = HexFormat.of().formatHex(r);
        this.processes = new Processes(workDir.resolve("logs"));
        this.applianceNamespace = "pc-app-" + suffix;
        this.privateNamespace = "pc-prv-" + suffix;
        for (int i = 0; i < clients; i++) {
            clientNamespaces.add("pc-cli" + i + "-" + suffix);
        }
        this.shutdownHook = new Thread(this::deleteNamespaces, "e2e-netns-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** One client namespace. */
    public static TestNetwork create(Path workDir) {
        return create(workDir, 1);
    }

    /** {@code clients} client namespaces (at most 200), each on the internet bridge. */
    public static TestNetwork create(Path workDir, int clients) {
        if (clients < 1 || clients > 200) {
            throw new IllegalArgumentException("clients must be 1..200: " + clients);
        }
        TestNetwork net = new TestNetwork(workDir, clients);
        try {
            net.build();
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void build() {
        String app = applianceNamespace;
        addNamespace(app);
        addNamespace(privateNamespace);
        ip(app, "link", "add", APPLIANCE_INTERNET_IF, "type", "bridge");
        ip(app, "addr", "add", APPLIANCE_ADDRESS + "/24", "dev", APPLIANCE_INTERNET_IF);
        ip(app, "link", "set", APPLIANCE_INTERNET_IF, "up");
        for (int i = 0; i < clientNamespaces.size(); i++) {
            String cli = clientNamespaces.get(i);
            addNamespace(cli);
            String port = "cli" + i;
            ip(null, "link", "add", "name", "eth0", "netns", cli, "type", "veth", "peer", "name", port, "netns", app);
            ip(app, "link", "set", port, "master", APPLIANCE_INTERNET_IF, "up");
            ip(cli, "addr", "add", clientAddress(i) + "/24", "dev", "eth0");
            ip(cli, "link", "set", "eth0", "up");
        }
        ip(null, "link", "add", "name", "eth0", "netns", privateNamespace, "type", "veth",
                "peer", "name", APPLIANCE_PRIVATE_IF, "netns", app);
        ip(app, "addr", "add", PRIVATE_GATEWAY + "/24", "dev", APPLIANCE_PRIVATE_IF);
        ip(app, "link", "set", APPLIANCE_PRIVATE_IF, "up");
        ip(privateNamespace, "addr", "add", PRIVATE_HOST + "/24", "dev", "eth0");
        ip(privateNamespace, "link", "set", "eth0", "up");
        ip(privateNamespace, "route", "add", "default", "via", PRIVATE_GATEWAY);
        processes.check(app, CMD, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    private void addNamespace(String ns) {
        processes.check(null, CMD, "ip", "netns", "add", ns);
        created.add(ns);
        ip(ns, "link", "set", "lo", "up");
    }

    private void ip(String ns, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        if (ns != null) {
            cmd.add("-n");
            cmd.add(ns);
        }
        cmd.addAll(List.of(args));
        processes.run(null, CMD, cmd).orThrow();
    }

    public String suffix() {
        return suffix;
    }

    public Processes processes() {
        return processes;
    }

    public Path logDir() {
        return processes.logDir();
    }

    public String clientNamespace() {
        return clientNamespaces.get(0);
    }

    public String clientNamespace(int i) {
        return clientNamespaces.get(i);
    }

    public int clientCount() {
        return clientNamespaces.size();
    }

    /** The client namespace's own ("internet") address, before any tunnel. */
    public static String clientAddress(int i) {
        return "172.31.255." + (10 + i);
    }

    public String applianceNamespace() {
        return applianceNamespace;
    }

    public String privateNamespace() {
        return privateNamespace;
    }

    /** Kills the processes started through this network, then deletes its namespaces. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            processes.close();
        } finally {
            deleteNamespaces();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private void deleteNamespaces() {
        List<String> failed = new ArrayList<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            String ns = created.get(i);
            try {
                Processes.Result r = processes.run(null, CMD, "ip", "netns", "del", ns);
                if (!r.ok() && !r.stderr().contains("No such file")) {
                    failed.add(ns + ": " + r.stderr().strip());
                }
            } catch (RuntimeException e) {
                failed.add(ns + ": " + e.getMessage());
            }
        }
        created.clear();
        if (!failed.isEmpty()) {
            System.err.println("e2e: could not delete network namespaces " + failed);
        }
    }

    @Override
    public String toString() {
        return "TestNetwork[" + suffix + ": " + clientNamespaces + ", " + applianceNamespace + ", " + privateNamespace + "]";
    }
}
