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
    private final List<PrivateNetwork> extraNetworks = new ArrayList<>();
    private boolean ipv6Forwarding;
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

    /**
     * A further private network behind the appliance ({@link #addPrivateNetwork}): a namespace of
     * its own holding one host, joined to the appliance namespace by a veth link.
     *
     * @param namespace          the host's namespace
     * @param applianceInterface the appliance namespace's end of the link (priv1, priv2, ...)
     * @param gateway            the appliance's IPv4 address in the network (the host's default route)
     * @param host               the host's IPv4 address
     * @param ipv6Gateway        the appliance's IPv6 address in the network, or null
     * @param ipv6Host           the host's IPv6 address, or null
     */
    public record PrivateNetwork(String namespace, String applianceInterface, String cidr, String gateway, String host,
                                 String ipv6Cidr, String ipv6Gateway, String ipv6Host) {}

    /**
     * Adds an IPv4 private network {@code cidr} (e.g. 10.101.0.0/24) behind the appliance: the
     * appliance takes .1, a host in a new namespace pc-p&lt;n&gt;-&lt;sfx&gt; takes .10 and routes
     * everything back through the appliance (so a client address is reachable without NAT).
     * With {@code ipv6Cidr} (a /64, e.g. fd01:101::/64) the network is dual-stack: ::1 for the
     * appliance, ::10 for the host, the host's IPv6 default route through the appliance, and the
     * appliance namespace forwards IPv6. Deleted with the other namespaces on {@link #close()}.
     */
    public synchronized PrivateNetwork addPrivateNetwork(String cidr, String ipv6Cidr) {
        int n = extraNetworks.size() + 1;
        Cidr net4 = Cidr.parse(cidr);
        String gateway = Cidr.toText(net4.network() + 1);
        String host = Cidr.toText(net4.network() + 10);
        String ns = "pc-p" + n + "-" + suffix;
        String ifName = "priv" + n;
        addNamespace(ns);
        ip(null, "link", "add", "name", "eth0", "netns", ns, "type", "veth", "peer", "name", ifName,
                "netns", applianceNamespace);
        ip(applianceNamespace, "addr", "add", gateway + "/" + net4.prefix(), "dev", ifName);
        ip(applianceNamespace, "link", "set", ifName, "up");
        ip(ns, "addr", "add", host + "/" + net4.prefix(), "dev", "eth0");
        ip(ns, "link", "set", "eth0", "up");
        ip(ns, "route", "add", "default", "via", gateway);
        String gateway6 = null;
        String host6 = null;
        if (ipv6Cidr != null) {
            String[] parts = ipv6Cidr.split("/");
            if (!parts[0].endsWith("::") || !parts[1].equals("64")) {
                throw new IllegalArgumentException("IPv6 network must be written <prefix>::/64: " + ipv6Cidr);
            }
            gateway6 = parts[0] + "1";
            host6 = parts[0] + "10";
            if (!ipv6Forwarding) {
                processes.check(applianceNamespace, CMD, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
                ipv6Forwarding = true;
            }
            // nodad: usable at once, no duplicate address detection delay on a link of two
            ip(applianceNamespace, "-6", "addr", "add", gateway6 + "/64", "dev", ifName, "nodad");
            ip(ns, "-6", "addr", "add", host6 + "/64", "dev", "eth0", "nodad");
            ip(ns, "-6", "route", "add", "default", "via", gateway6);
        }
        PrivateNetwork p = new PrivateNetwork(ns, ifName, net4.toString(), gateway, host, ipv6Cidr, gateway6, host6);
        extraNetworks.add(p);
        return p;
    }

    /**
     * Adds a second IPv4 subnet to an added private network: the appliance takes .1 of
     * {@code cidr} on the same link, the host .10 (its default route stays the first gateway).
     * Returns the host's address in it.
     */
    public String addHostAddress(PrivateNetwork network, String cidr) {
        Cidr c = Cidr.parse(cidr);
        String gateway = Cidr.toText(c.network() + 1);
        String host = Cidr.toText(c.network() + 10);
        ip(applianceNamespace, "addr", "add", gateway + "/" + c.prefix(), "dev", network.applianceInterface());
        ip(network.namespace(), "addr", "add", host + "/" + c.prefix(), "dev", "eth0");
        return host;
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
