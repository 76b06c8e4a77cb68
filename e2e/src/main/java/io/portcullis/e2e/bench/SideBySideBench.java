package io.portcullis.e2e.bench;

import io.portcullis.e2e.Iperf3;
import io.portcullis.e2e.OpenVpnClient;
import io.portcullis.e2e.PortcullisAppliance;
import io.portcullis.e2e.ProcStat;
import io.portcullis.e2e.Processes;
import io.portcullis.e2e.StockOpenVpnServer;
import io.portcullis.e2e.TestNetwork;
import io.portcullis.e2e.TestPki;
import io.portcullis.e2e.Transport;
import io.portcullis.e2e.VpnServerConfig;
import io.portcullis.e2e.VpnServerUnderTest;
import io.portcullis.e2e.VpnServers;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Issue 6's side-by-side benchmark: the same stock-client workload against the Portcullis appliance
 * and against the stock OpenVPN server ({@code openvpn --server}, disable-dco; the same PKI,
 * tls-crypt, AES-256-GCM, UDP), one after the other, in the end-to-end test network
 * ({@link TestNetwork}: client namespaces, the server in the appliance namespace, the private host
 * 10.0.0.10 behind it). Each server gets a network of its own and runs, in this order:
 *
 * <ol>
 *   <li><b>throughput</b>: iperf3 TCP client→network and network→client, with 1 client, and with 4
 *       clients at once (4 client namespaces, 4 tunnels, 4 iperf3 servers on ports 5201–5204,
 *       aggregate = sum), {@code --seconds} per run; the server process tree's CPU seconds from
 *       /proc over each run, divided by the GB (10^9 bytes) iperf3 received;</li>
 *   <li><b>latency</b>: paced pings (default 200 at 10 ms) from a client namespace through an idle
 *       tunnel to 10.0.0.10, minus the same pings over the same path without a tunnel (another
 *       client namespace given a plain route to 10.0.0.0/24 via the appliance namespace for the
 *       duration): median and p90 of each, and the difference;</li>
 *   <li><b>connect</b>: one client, process start ({@code fork}) to "Initialization Sequence
 *       Completed" (microsecond log timestamps: {@code machine-readable-output}); then N clients
 *       (default 50, one namespace each while there are enough) started together: time until all
 *       are connected, per-client median and max, and the server's CPU over that window / N =
 *       CPU ms per handshake;</li>
 *   <li><b>memory</b>: a freshly started server, stock clients added in paced batches up to
 *       0, 50, 200 and 500 connected (several per namespace; all but the first in a namespace
 *       with {@code route-nopull}, whose routes would clash), VmRSS of the server process tree
 *       at each level (the appliance after {@code jcmd GC.run}, with the Java heap in use), KiB
 *       per session = (RSS(n) − RSS(0)) / n and, per added session, between the lowest level above 0
 *       and the highest (the target's measure: from 0 the first sessions also pay one-time growth);
 *       and the server's idle CPU with 0 clients and with the most, whole and above that floor.</li>
 * </ol>
 * Several rounds of each ({@code --rounds}; memory once), then a table of medians and min–max per
 * server with the ratio appliance/stock, and issue 6's targets met or missed. Asserts nothing.
 * Run as root through {@code ./portcullis bench} or {@code e2e/bench.sh side-by-side}; see
 * {@code docs/benchmarks-side-by-side.md} and {@link #usage()}.
 */
public final class SideBySideBench {

    static final String APPLIANCE = "portcullis";
    static final String STOCK = "stock";
    static final List<String> PARTS = List.of("throughput", "latency", "connect", "memory");
    static final String CLIENT_CIDR = "10.8.0.0/22"; // room for 500+ clients (the appliance ships with a /22 too)
    static final int IPERF_BASE_PORT = Iperf3.DEFAULT_PORT;
    static final int TUNNEL_CLIENTS = 4;

    /** Command-line options. */
    static final class Options {
        int rounds = 3;
        int seconds = 10;
        Set<String> parts = new LinkedHashSet<>(PARTS);
        boolean quick;
        List<String> servers = List.of(APPLIANCE, STOCK);
        Path work;
        Path distribution;
        String cipher = "AES-256-GCM";
        Map<String, String> applianceSettings = new LinkedHashMap<>();
        List<String> stockLines = new ArrayList<>();
        int connectClients = 50;
        List<Integer> memoryClients = List.of(0, 50, 200, 500);
        int clientsPerNamespace = 5;
        int batch = 50;
        double batchIntervalSeconds = 10.5;
        int pings = 200;
        int warmupPings = -1; // -1: half of pings, at least 20
        double warmupPingInterval = -1; // -1: pingIntervalSeconds
        double pingIntervalSeconds = 0.01;
        int warmupSeconds = 3;
        int idleSeconds = 20;
        boolean sequential;
        String command;
    }

    private final Options o;
    private final PrintStream out;
    private final Figures figures = new Figures();
    private final List<String> notMeasured = new ArrayList<>();
    private TestPki pki;
    private List<TestPki.Credential> credentials;

    private SideBySideBench(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("side-by-side bench: " + e.getMessage() + "\n" + usage());
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(usage());
            return;
        }
        if (o.distribution != null) {
            System.setProperty(PortcullisAppliance.DISTRIBUTION_PROPERTY, o.distribution.toString());
        }
        if (o.servers.contains(APPLIANCE)) {
            try {
                Path d = PortcullisAppliance.findDistribution();
                if (!Files.isRegularFile(d)) {
                    throw new IllegalStateException("no file " + d);
                }
            } catch (IllegalStateException e) {
                System.err.println("side-by-side bench: no appliance distribution (" + e.getMessage()
                        + "): run ./portcullis test or mvn install first");
                System.exit(1);
            }
        }
        if (o.work == null) {
            o.work = Path.of("target", "bench", "side-by-side-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        o.work = o.work.toAbsolutePath();
        Files.createDirectories(o.work);
        Path report = o.work.resolve("report.md");
        try (OutputStream file = new FileOutputStream(report.toFile());
             PrintStream out = new PrintStream(new Tee(System.out, file), true, StandardCharsets.UTF_8)) {
            new SideBySideBench(o, out).run();
            out.println();
            out.println("(this output is also in " + report + "; configs and logs of every process under " + o.work + ")");
        }
    }

    static String usage() {
        return """
                usage: ./portcullis bench [options]        (or, as root: e2e/bench.sh side-by-side [options])
                  --rounds N             rounds of each measurement (default 3; memory runs once)
                  --seconds N            seconds per iperf3 run (default 10)
                  --only LIST            parts, comma-separated: throughput,latency,connect,memory (default all)
                  --servers LIST         portcullis,stock (default both, in that order)
                  --sequential           throughput and latency: all of one server's rounds, then the other's
                                         (default with both servers: round by round, alternating which goes first)
                  --quick                smoke mode: 1 round, 1 s runs, 2 clients for connect, 0/2/5 for memory,
                                         50 pings; checks the code works, its figures mean little
                  --connect-clients N    clients started together (default 50)
                  --memory-clients LIST  connected-client levels for memory (default 0,50,200,500)
                  --clients-per-namespace N  for memory, when there are more clients than namespaces (default 5)
                  --batch N              memory: clients started per batch (default 50) ...
                  --batch-interval S     ... at most one batch per S seconds (default 10.5: the stock server's
                                         connect-freq-initial default admits 100 new clients per 10 s)
                  --pings N              pings per latency sample (default 200) ...
                  --ping-interval S      ... one every S seconds (default 0.01)
                  --warmup-pings N       pings before the latency rounds, not counted (default: half of --pings) ...
                  --warmup-ping-interval S  ... one every S seconds (default: --ping-interval)
                  --idle-seconds N       idle CPU measured over N s with the most memory clients (default 20; 0: skip)
                  --cipher NAME          data channel cipher (default AES-256-GCM)
                  --appliance-setting KEY=VALUE  an endpoint setting for the appliance over the harness's
                                         (repeatable; e.g. sourceNat=false, as the stock server does no NAT)
                  --stock-line LINE      a line appended to the stock server's configuration (repeatable;
                                         e.g. 'push "rcvbuf 1048576"', as the appliance pushes by default)
                  --distribution FILE    the appliance tar.gz (default: newest assembly/target/portcullis-*.tar.gz)
                  --work DIR             where configs and logs go (default e2e/target/bench/side-by-side-<time>)
                """;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        if (Arrays.asList(args).contains("--quick")) {
            o.quick = true;
            o.rounds = 1;
            o.seconds = 1;
            o.connectClients = 2;
            o.memoryClients = List.of(0, 2, 5);
            o.pings = 50;
            o.warmupSeconds = 1;
            o.idleSeconds = 2;
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> { }
                case "--sequential" -> o.sequential = true;
                case "-h", "--help" -> {
                    return null;
                }
                case "--rounds" -> o.rounds = positive(a, value(args, ++i));
                case "--seconds" -> o.seconds = positive(a, value(args, ++i));
                case "--only" -> {
                    o.parts = new LinkedHashSet<>();
                    for (String p : value(args, ++i).split(",")) {
                        if (!PARTS.contains(p.strip())) {
                            throw new IllegalArgumentException("unknown part '" + p + "'; parts: " + String.join(",", PARTS));
                        }
                        o.parts.add(p.strip());
                    }
                }
                case "--servers" -> {
                    List<String> s = new ArrayList<>();
                    for (String p : value(args, ++i).split(",")) {
                        String name = switch (p.strip()) {
                            case "portcullis", "appliance" -> APPLIANCE;
                            case "stock", "stock-openvpn" -> STOCK;
                            default -> throw new IllegalArgumentException("unknown server '" + p + "'");
                        };
                        s.add(name);
                    }
                    o.servers = List.copyOf(s);
                }
                case "--connect-clients" -> o.connectClients = positive(a, value(args, ++i));
                case "--memory-clients" -> {
                    List<Integer> levels = new ArrayList<>();
                    for (String p : value(args, ++i).split(",")) {
                        levels.add(Integer.parseInt(p.strip()));
                    }
                    if (!levels.contains(0)) {
                        levels.add(0);
                    }
                    o.memoryClients = levels.stream().distinct().sorted().toList();
                }
                case "--clients-per-namespace" -> o.clientsPerNamespace = positive(a, value(args, ++i));
                case "--batch" -> o.batch = positive(a, value(args, ++i));
                case "--batch-interval" -> o.batchIntervalSeconds = Double.parseDouble(value(args, ++i));
                case "--pings" -> o.pings = positive(a, value(args, ++i));
                case "--ping-interval" -> o.pingIntervalSeconds = Double.parseDouble(value(args, ++i));
                case "--warmup-pings" -> o.warmupPings = Integer.parseInt(value(args, ++i));
                case "--warmup-ping-interval" -> o.warmupPingInterval = Double.parseDouble(value(args, ++i));
                case "--idle-seconds" -> o.idleSeconds = Integer.parseInt(value(args, ++i));
                case "--cipher" -> o.cipher = value(args, ++i);
                case "--appliance-setting" -> {
                    String kv = value(args, ++i);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--appliance-setting: " + kv + " is not KEY=VALUE");
                    }
                    o.applianceSettings.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                }
                case "--stock-line" -> o.stockLines.add(value(args, ++i));
                case "--distribution" -> o.distribution = Path.of(value(args, ++i)).toAbsolutePath();
                case "--work" -> o.work = Path.of(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        String env = System.getenv("PORTCULLIS_BENCH_COMMAND");
        o.command = env != null && !env.isBlank() ? env.strip() : ("e2e/bench.sh side-by-side " + String.join(" ", args)).strip();
        return o;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return n;
    }

    // ------------------------------------------------------------------ the run

    /** The lowest memory level above 0 clients (0 if there is none). */
    private int firstMemoryLevel() {
        return o.memoryClients.stream().mapToInt(Integer::intValue).filter(l -> l > 0).min().orElse(0);
    }

    private int maxMemoryClients() {
        return o.parts.contains("memory") ? o.memoryClients.get(o.memoryClients.size() - 1) : 0;
    }

    /** Client namespaces per network: one per client up to 200 (TestNetwork's bound), shared beyond. */
    private int namespaces() {
        int n = TUNNEL_CLIENTS + 1; // 4 tunnels + one namespace for the plain-routed latency baseline
        if (o.parts.contains("connect")) {
            n = Math.max(n, o.connectClients);
        }
        n = Math.max(n, (maxMemoryClients() + o.clientsPerNamespace - 1) / o.clientsPerNamespace);
        return Math.min(200, n);
    }

    private void run() {
        long t0 = System.nanoTime();
        Processes host = new Processes(o.work.resolve("logs"));
        out.println("## Side by side: the Portcullis appliance and the stock OpenVPN server (issue 6)");
        out.println();
        out.println("- date: " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        out.println("- command (as root, from the repository root): `" + o.command + "`"
                + (o.quick ? " — QUICK smoke mode: the figures show the code works, not how fast anything is" : ""));
        out.print(Machine.describe(host));
        if (o.servers.contains(APPLIANCE)) {
            out.println("- appliance: " + PortcullisAppliance.findDistribution().getFileName()
                    + " (shipped settings; endpoint from PortcullisAppliance.endpointConfig"
                    + (o.applianceSettings.isEmpty() ? "" : ", with " + o.applianceSettings)
                    + "), `bin/karaf server`, CPU and memory of the whole JVM");
        }
        out.println("- stock server: `openvpn --server` (StockOpenVpnServer.configText: topology subnet, disable-dco, "
                + "keepalive 10 60, status file every 60 s" + (o.stockLines.isEmpty() ? "" : ", with " + o.stockLines)
                + "), `connect-freq-initial` not set, i.e. its default 100 new clients per 10 s");
        out.println("- both: UDP, tls-crypt, data-ciphers " + o.cipher + ", EC P-256 certificates from one test PKI, "
                + "client network " + CLIENT_CIDR + ", 10.0.0.0/24 pushed; stock OpenVPN clients (profiles: "
                + "OpenVpnClient.Profile + " + String.join(", ", ClientFleet.PROFILE_LINES) + ")");
        out.println("- parts: " + String.join(", ", o.parts) + "; servers in this order: " + String.join(", ", o.servers)
                + (interleaved() ? " (throughput and latency round by round: both servers up at once, each in its own"
                        + " namespaces, the other idle; odd rounds " + o.servers.get(0) + " first, even rounds "
                        + o.servers.get(1) + " first)" : "")
                + "; rounds " + o.rounds + ", iperf3 " + o.seconds + " s per run");
        out.println("- everything (clients, iperf3, servers) shares this machine's " + Runtime.getRuntime().availableProcessors()
                + " CPUs: figures are CPU-bound and noisy, compare only within one run");
        out.println();

        int certs = Math.max(Math.max(TUNNEL_CLIENTS, o.parts.contains("connect") ? o.connectClients : 0), maxMemoryClients());
        long p0 = System.nanoTime();
        pki = TestPki.create(o.work.resolve("pki"));
        credentials = new ArrayList<>();
        for (int i = 0; i < certs; i++) {
            credentials.add(pki.client("bench-" + i));
        }
        out.printf(Locale.ROOT, "Per-run output (PKI: CA, server and %d client certificates made in %.0f s, not timed below):%n%n",
                certs, (System.nanoTime() - p0) / 1e9);

        defineFigures();
        if (interleaved()) {
            runInterleaved();
        } else {
            for (String server : o.servers) {
                runServer(server);
            }
        }

        out.println();
        out.println("### Results");
        out.println();
        List<String> headings = o.servers.stream().map(s -> s.equals(APPLIANCE) ? "appliance" : "stock").toList();
        out.print(figures.table(o.servers, headings, this::paired));
        out.println();
        out.println("Medians over " + o.rounds + " round(s) (memory: one run); min–max over the rounds"
                + (o.servers.size() == 2 ? "; the last column divides the medians" : "")
                + (interleaved() ? ", and the one before it is the median (min–max) of the rounds' own ratios: the"
                        + " two servers' round r ran back to back, so that ratio is not moved by the machine's drift"
                        + " between rounds." : "."));
        if (o.servers.contains(APPLIANCE) && o.servers.contains(STOCK)) {
            out.println();
            out.print(targets());
        }
        if (!notMeasured.isEmpty()) {
            out.println();
            out.println("Not measured (failed; details above and in the logs):");
            notMeasured.forEach(n -> out.println("- " + n));
        }
        out.println();
        out.printf(Locale.ROOT, "Wall time: %.1f min.%n", (System.nanoTime() - t0) / 60e9);
        host.close();
    }

    /** One figure per throughput run: {@code key.<1|4>.<up|down>}, labelled "{label}1 client, client→network" etc. */
    private void definePerRun(String key, String section, String label, String unit, int decimals) {
        for (String n : List.of("1", "4")) {
            for (String dir : List.of("up", "down")) {
                String d = dir.equals("up") ? "client→network" : "network→client";
                figures.define(key + "." + n + "." + dir, section, label + n + (n.equals("1") ? " client, " : " clients, ") + d,
                        unit, decimals);
            }
        }
    }

    private void defineFigures() {
        String tp = "throughput (iperf3 TCP, " + o.seconds + " s runs)";
        for (String dir : List.of("up", "down")) {
            String d = dir.equals("up") ? "client→network" : "network→client";
            figures.define("tp.1." + dir, tp, "1 client, " + d, "Mbit/s", 0);
        }
        for (String dir : List.of("up", "down")) {
            String d = dir.equals("up") ? "client→network" : "network→client";
            figures.define("tp.4." + dir, tp, TUNNEL_CLIENTS + " clients at once (sum), " + d, "Mbit/s", 0);
        }
        String cpu = "server CPU (process tree, /proc) during those runs";
        definePerRun("cpugb", cpu, "per GB carried, ", "CPU-s/GB", 2);
        definePerRun("cpusysgb", cpu, "of which in the kernel (system time), per GB, ", "CPU-s/GB", 2);
        definePerRun("cpupct", cpu, "share of one core, ", "%", 0);
        definePerRun("machine", "whole machine (all cores, clients and kernel included, /proc/stat)", "busy, ", "%", 0);
        String lat = "latency (" + o.pings + " pings every " + Stats.fmt(o.pingIntervalSeconds * 1000, 0) + " ms, idle tunnel)";
        figures.define("lat.tun.med", lat, "RTT through the tunnel, median", "ms", 3);
        figures.define("lat.tun.p90", lat, "RTT through the tunnel, p90", "ms", 3);
        figures.define("lat.base.med", lat, "RTT same path without tunnel, median", "ms", 3);
        figures.define("lat.base.p90", lat, "RTT same path without tunnel, p90", "ms", 3);
        figures.define("lat.add.med", lat, "added latency (tunnel − plain), median", "ms", 3);
        figures.define("lat.add.p90", lat, "added latency (tunnel − plain), p90", "ms", 3);
        String con = "connect (stock client: process start → \"Initialization Sequence Completed\")";
        int n = o.connectClients;
        figures.define("conn.1", con, "1 client", "ms", 0);
        figures.define("conn.n.all", con, n + " clients started together: until all connected", "s", 2);
        figures.define("conn.n.med", con, n + " clients: per client, median", "s", 2);
        figures.define("conn.n.max", con, n + " clients: per client, max", "s", 2);
        figures.define("conn.n.cpu", con, "server CPU per handshake (CPU over the " + n + "-client connect / " + n + ")", "ms", 2);
        String mem = "memory (fresh server, clients added in paced batches; one run)";
        for (int level : o.memoryClients) {
            figures.define("mem.rss." + level, mem, "server RSS, " + level + " clients", "MiB", 1);
        }
        for (int level : o.memoryClients) {
            if (level > 0) {
                figures.define("mem.kib." + level, mem, "RSS growth per session, " + level + " clients: (RSS(n) − RSS(0)) / n", "KiB", 1);
            }
        }
        if (firstMemoryLevel() > 0 && firstMemoryLevel() < maxMemoryClients()) {
            figures.define("mem.slope", mem, "RSS growth per added session, " + firstMemoryLevel() + " → " + maxMemoryClients()
                    + " clients: (RSS(" + maxMemoryClients() + ") − RSS(" + firstMemoryLevel() + ")) / "
                    + (maxMemoryClients() - firstMemoryLevel()), "KiB", 1);
        }
        for (int level : o.memoryClients) {
            figures.define("mem.heap." + level, mem, "Java heap used after GC.run, " + level + " clients", "MiB", 1);
        }
        for (int level : o.memoryClients) {
            if (level > 0) {
                figures.define("mem.heapkib." + level, mem, "heap growth per session, " + level + " clients", "KiB", 1);
            }
        }
        figures.define("idle.cpu0", mem, "server CPU idle with 0 clients (over " + o.idleSeconds + " s)", "% of a core", 3);
        figures.define("idle.cpu", mem, "server CPU idle with " + maxMemoryClients() + " clients (over "
                + o.idleSeconds + " s), per 100 clients", "% of a core", 3);
        figures.define("idle.slope", mem, "idle CPU added per 100 sessions: (CPU(" + maxMemoryClients()
                + ") − CPU(0)) per 100 clients", "% of a core", 3);
    }

    /** A figure measured round by round with both servers back to back (throughput, CPU per GB, latency). */
    private boolean paired(String key) {
        return interleaved() && (key.startsWith("tp.") || key.startsWith("cpugb.") || key.startsWith("cpupct.")
                || key.startsWith("machine.") || key.startsWith("lat."));
    }

    /** Both servers, throughput or latency measured, and not asked to run one after the other. */
    private boolean interleaved() {
        return o.servers.size() == 2 && !o.sequential && (o.parts.contains("throughput") || o.parts.contains("latency"));
    }

    private void awaitQuietMachine() {
        if (!o.quick) {
            double[] waited = Machine.awaitQuiet(5, Duration.ofSeconds(120));
            out.printf(Locale.ROOT, "    machine quiet (%.0f %% busy) after %.0f s%n", waited[1], waited[0]);
        }
    }

    /** One server: its own network, the parts in order, then everything stopped and removed. */
    private void runServer(String serverName) {
        awaitQuietMachine();
        try (TestNetwork net = network(serverName)) {
            ServerHolder server = holder(serverName, net);
            try {
                server.start();
                if (o.parts.contains("throughput") || o.parts.contains("latency")) {
                    part(serverName, "throughput and latency", () -> tunnelParts(net, server));
                }
                otherParts(net, server);
            } catch (RuntimeException e) {
                failed(serverName, "server start", e);
            } finally {
                server.stop();
            }
        }
    }

    private TestNetwork network(String serverName) {
        Path dir = o.work.resolve(serverName);
        out.println("    == " + serverName + " (" + (serverName.equals(APPLIANCE) ? "Portcullis appliance" : "stock OpenVPN server")
                + "), " + namespaces() + " client namespaces, work dir " + dir);
        return TestNetwork.create(dir, namespaces());
    }

    private ServerHolder holder(String serverName, TestNetwork net) {
        VpnServerConfig config = VpnServerConfig.defaults(net, pki, Transport.UDP, o.work.resolve(serverName).resolve("server"))
                .withDataCiphers(List.of(o.cipher)).withClientCidrBlock(CLIENT_CIDR);
        return new ServerHolder(serverName, net.processes(), config);
    }

    private void otherParts(TestNetwork net, ServerHolder server) {
        if (o.parts.contains("connect")) {
            part(server.name, "connect", () -> connectPart(net, server));
        }
        if (o.parts.contains("memory")) {
            part(server.name, "memory", () -> memoryPart(net, server));
        }
    }

    /**
     * Both servers up at once, each in its own namespaces with its own tunnels; throughput and latency
     * round by round, the two servers back to back in each (odd rounds the first server first, even
     * rounds the second), so that a drift of this shared machine moves both alike. Then each
     * server's connect and memory parts in turn, the other one idle.
     */
    private void runInterleaved() {
        awaitQuietMachine();
        List<TestNetwork> nets = new ArrayList<>();
        List<ServerHolder> servers = new ArrayList<>();
        List<ClientFleet> fleets = new ArrayList<>();
        List<ServerHolder> up = new ArrayList<>(); // those whose tunnels are up
        try {
            for (String name : o.servers) {
                TestNetwork net = network(name);
                nets.add(net);
                ServerHolder server = holder(name, net);
                servers.add(server);
                ClientFleet fleet = new ClientFleet(net.processes(), o.work.resolve(name).resolve("clients-tunnels"));
                fleets.add(fleet);
                try {
                    server.start();
                    tunnelsUp(net, server, fleet);
                    up.add(server);
                } catch (RuntimeException e) {
                    failed(name, "server start and tunnels", e);
                }
            }
            if (up.size() == 2) {
                if (o.parts.contains("throughput")) {
                    interleave(servers, nets, "throughput", this::throughputSetup, this::throughputRound);
                }
                if (o.parts.contains("latency")) {
                    interleave(servers, nets, "latency", this::latencyWarmup, this::latencyRound);
                }
            }
            for (ClientFleet fleet : fleets) {
                fleet.stopAll(Duration.ofSeconds(20));
            }
            sleep(2000); // let the servers drop the sessions before the next part
            for (int i = 0; i < servers.size(); i++) {
                if (up.contains(servers.get(i))) {
                    out.println("    == " + servers.get(i).name + ": connect and memory (the other server idle)");
                    otherParts(nets.get(i), servers.get(i));
                }
            }
        } finally {
            for (ClientFleet fleet : fleets) {
                fleet.stopAll(Duration.ofSeconds(20));
            }
            for (ServerHolder server : servers) {
                server.stop();
            }
            for (int i = nets.size() - 1; i >= 0; i--) {
                nets.get(i).close();
            }
        }
    }

    /** One measurement's round of one server. */
    private interface Round {
        void run(TestNetwork net, ServerHolder server, int round);
    }

    /** Both servers' warm-ups, then round by round, the first server first in odd rounds, the second in even ones. */
    private void interleave(List<ServerHolder> servers, List<TestNetwork> nets, String what,
                            BiConsumer<TestNetwork, ServerHolder> warmup, Round round) {
        for (int i = 0; i < 2; i++) {
            ServerHolder server = servers.get(i);
            TestNetwork net = nets.get(i);
            part(server.name, what + " warm-up", () -> warmup.accept(net, server));
        }
        for (int r = 1; r <= o.rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = r % 2 == 1 ? k : 1 - k;
                ServerHolder server = servers.get(i);
                TestNetwork net = nets.get(i);
                int n = r;
                out.println("    -- " + server.name + ", " + what + " round " + n);
                part(server.name, what + " round " + n, () -> round.run(net, server, n));
            }
        }
    }

    private void part(String server, String name, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            failed(server, name, e);
        }
    }

    private void failed(String server, String what, RuntimeException e) {
        String first = String.valueOf(e.getMessage()).lines().findFirst().orElse(String.valueOf(e));
        out.println("    FAILED " + server + " " + what + ": " + first);
        System.err.println("side-by-side bench: " + server + " " + what + " failed:");
        e.printStackTrace();
        notMeasured.add(server + ": " + what + " (" + first + ")");
    }

    /** The server under test; the memory part starts it afresh. */
    private final class ServerHolder {
        final String name;
        final Processes processes;
        final VpnServerConfig config;
        VpnServerUnderTest server;
        int starts;

        ServerHolder(String name, Processes processes, VpnServerConfig config) {
            this.name = name;
            this.processes = processes;
            this.config = config;
        }

        void start() {
            server = create(config);
            long t = System.nanoTime();
            server.start(config, Duration.ofSeconds(180));
            starts++;
            out.printf(Locale.ROOT, "    %s started (pid %d) in %.1f s%s%n", server.name(), server.process().pid(),
                    (System.nanoTime() - t) / 1e9, isAppliance() ? "; JVM " + Jcmd.heapFlags(processes, server.process().pid()) : "");
        }

        /**
         * The appliance with the endpoint settings asked for; the stock server with its status file
         * written at OpenVPN's default interval, 60 s, not the test harness's every second (nothing
         * here reads it, and rewriting a 500-line file each second would count as idle CPU).
         */
        private VpnServerUnderTest create(VpnServerConfig c) {
            VpnServerUnderTest s = VpnServers.create(name, processes);
            if (s instanceof PortcullisAppliance a) {
                o.applianceSettings.forEach(a::withEndpointSetting);
            } else if (s instanceof StockOpenVpnServer stock) {
                stock.withExtraLines("status " + c.workDir().resolve("status.log") + " 60");
                stock.withExtraLines(o.stockLines.toArray(String[]::new));
            }
            return s;
        }

        /** Stops the server and boots it again (appliance: same directory, fresh JVM; stock: a new process). */
        void restart() {
            long t = System.nanoTime();
            if (server instanceof PortcullisAppliance a) {
                a.restart(Duration.ofSeconds(180));
            } else {
                server.stop();
                VpnServerConfig fresh = config.withWorkDir(config.workDir().resolveSibling("server-" + (++starts)));
                server = create(fresh);
                server.start(fresh, Duration.ofSeconds(60));
            }
            out.printf(Locale.ROOT, "    %s started afresh (pid %d) in %.1f s%n", server.name(), server.process().pid(),
                    (System.nanoTime() - t) / 1e9);
        }

        boolean isAppliance() {
            return server instanceof PortcullisAppliance;
        }

        ProcessHandle process() {
            return server.process();
        }

        double cpuSeconds() {
            return ProcStat.cpuSeconds(server.process());
        }

        /** User and system CPU seconds, in one reading. */
        double[] userAndSystemSeconds() {
            return ProcStat.userAndSystemSeconds(server.process());
        }

        void stop() {
            if (server != null) {
                server.stop();
            }
        }
    }

    /**
     * How quiet the appliance's JIT compilers must be before an idle window: at most this many ticks
     * (0.02 s of CPU, 0.13 % of a core) over {@link #jitQuietSeconds}; and the most to wait for it.
     */
    private static final long JIT_QUIET_MAX_TICKS = 2;
    private static final int JIT_QUIET_MAX_SECONDS = 120;

    private int jitQuietSeconds() {
        return o.quick ? 1 : 15; // longer than the keepalive interval (10 s): its code paths compile late
    }

    private double awaitCompilersQuiet(long pid) {
        try {
            return ProcStat.awaitCompilersQuiet(pid, jitQuietSeconds(), JIT_QUIET_MAX_TICKS, o.quick ? 5 : JIT_QUIET_MAX_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Idle windows a JIT compile may spoil before the last one is taken anyway. */
    private static final int IDLE_WINDOWS_MAX = 3;

    /**
     * The server's CPU over one idle window, in % of a core. The appliance's window is taken again
     * (at most {@link #IDLE_WINDOWS_MAX} in all) when its JIT compilers ran in it after all: code that
     * only idle sessions run compiles late, and a quiet spell before the window does not rule that out.
     */
    private double idleWindow(ServerHolder server, long serverPid) {
        for (int window = 1; ; window++) {
            Map<String, Long> threads0 = ProcStat.threadTicks(serverPid);
            double c0 = server.cpuSeconds();
            long t = System.nanoTime();
            sleep(o.idleSeconds * 1000L);
            double pct = (server.cpuSeconds() - c0) / ((System.nanoTime() - t) / 1e9) * 100;
            Map<String, Long> threads1 = ProcStat.threadTicks(serverPid);
            out.println("    threads in the idle window: " + ProcStat.topThreads(threads0, threads1, 5));
            long compiling = ProcStat.compilerTicks(threads1) - ProcStat.compilerTicks(threads0);
            if (!server.isAppliance() || compiling <= JIT_QUIET_MAX_TICKS) {
                return pct;
            }
            if (window == IDLE_WINDOWS_MAX) {
                out.printf(Locale.ROOT, "    the JIT compiled in %d idle windows in a row; the last one taken anyway%n",
                        IDLE_WINDOWS_MAX);
                return pct;
            }
            out.printf(Locale.ROOT, "    the JIT compiled for %.2f s in that window (%.2f %% of a core); taken again%n",
                    compiling / ProcStat.TICKS_PER_SECOND, pct);
        }
    }

    private OpenVpnClient.Profile profile(VpnServerConfig config, int credential, boolean firstInNamespace) {
        OpenVpnClient.Profile p = OpenVpnClient.Profile.forServer(config, credentials.get(credential))
                .withDataCiphers(List.of(o.cipher))
                .withExtraLines(ClientFleet.PROFILE_LINES.toArray(String[]::new));
        // Another client's identical route is already in this namespace: only connect time matters for it.
        return firstInNamespace ? p : p.withExtraLines("route-nopull");
    }

    // ------------------------------------------------------------------ throughput and latency

    private void tunnelParts(TestNetwork net, ServerHolder server) {
        Processes p = net.processes();
        ClientFleet fleet = new ClientFleet(p, o.work.resolve(server.name).resolve("clients-tunnels"));
        try {
            tunnelsUp(net, server, fleet);
            if (o.parts.contains("throughput")) {
                part(server.name, "throughput", () -> throughput(net, server));
            }
            if (o.parts.contains("latency")) {
                part(server.name, "latency", () -> latency(net, server));
            }
        } finally {
            fleet.stopAll(Duration.ofSeconds(20));
            sleep(2000); // let the server drop the sessions before the next part
        }
    }

    /** The tunnel clients, one per client namespace 0-3, connected. */
    private void tunnelsUp(TestNetwork net, ServerHolder server, ClientFleet fleet) {
        List<ClientFleet.Member> tunnels = new ArrayList<>();
        for (int i = 0; i < TUNNEL_CLIENTS; i++) {
            tunnels.add(fleet.start(net.clientNamespace(i), "tunnel-" + i, profile(server.config, i, true)));
        }
        if (ClientFleet.awaitConnected(tunnels, Duration.ofSeconds(90), 100) < tunnels.size()) {
            throw new IllegalStateException("tunnel clients did not connect: " + ClientFleet.describeFirstFailure(tunnels));
        }
        String cipher = tunnels.get(0).client().awaitLog("Data Channel: cipher '([^']+)'", Duration.ofSeconds(5)).group(1);
        out.printf("    %d tunnels up (client namespaces 0-%d), data channel %s; first client %s%n", TUNNEL_CLIENTS,
                TUNNEL_CLIENTS - 1, cipher, tunnels.get(0).client().address());
    }

    private void throughput(TestNetwork net, ServerHolder server) {
        throughputSetup(net, server);
        for (int round = 1; round <= o.rounds; round++) {
            throughputRound(net, server, round);
        }
    }

    /** The iperf3 servers behind the server under test, and a warm-up each way (not counted). */
    private void throughputSetup(TestNetwork net, ServerHolder server) {
        Processes p = net.processes();
        for (int i = 0; i < TUNNEL_CLIENTS; i++) {
            Iperf3.startServer(p, net.privateNamespace(), TestNetwork.PRIVATE_HOST, IPERF_BASE_PORT + i);
        }
        int warm = Math.min(o.warmupSeconds, o.seconds);
        for (boolean reverse : new boolean[] {false, true}) {
            Iperf3.Result r = Iperf3.run(p, net.clientNamespace(0), TestNetwork.PRIVATE_HOST, IPERF_BASE_PORT, warm, reverse);
            out.printf(Locale.ROOT, "    warm-up %-15s %8.1f Mbit/s (%d s, not counted)%n", direction(reverse), r.mbitPerSecond(), warm);
        }
    }

    /** One round: 1 client, then all tunnel clients at once, each way. */
    private void throughputRound(TestNetwork net, ServerHolder server, int round) {
        Processes p = net.processes();
        ExecutorService pool = Executors.newFixedThreadPool(TUNNEL_CLIENTS);
        try {
            for (int clients : new int[] {1, TUNNEL_CLIENTS}) {
                for (boolean reverse : new boolean[] {false, true}) {
                    double[] cpu0 = server.userAndSystemSeconds();
                    double[] machine0 = ProcStat.machineBusyAndTotalSeconds();
                    List<Future<Iperf3.Result>> runs = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        String ns = net.clientNamespace(i);
                        int port = IPERF_BASE_PORT + i;
                        runs.add(pool.submit(() -> Iperf3.run(p, ns, TestNetwork.PRIVATE_HOST, port, o.seconds, reverse)));
                    }
                    double mbit = 0;
                    double bytes = 0;
                    double secs = 0;
                    long retransmits = 0;
                    StringBuilder each = new StringBuilder();
                    for (Future<Iperf3.Result> f : runs) {
                        Iperf3.Result r = get(f);
                        mbit += r.mbitPerSecond();
                        bytes += r.receivedBytes();
                        secs = Math.max(secs, r.seconds());
                        retransmits += Math.max(0, r.retransmits());
                        if (clients > 1) {
                            each.append(each.length() == 0 ? " (" : " + ").append(Stats.fmt(r.mbitPerSecond(), 0));
                        }
                    }
                    if (clients > 1) {
                        each.append(')');
                    }
                    double[] cpu1 = server.userAndSystemSeconds();
                    double sys = cpu1[1] - cpu0[1];
                    double cpu = cpu1[0] - cpu0[0] + sys;
                    double[] machine1 = ProcStat.machineBusyAndTotalSeconds();
                    double machineBusy = machine1[1] > machine0[1]
                            ? (machine1[0] - machine0[0]) / (machine1[1] - machine0[1]) * 100 : 0;
                    String dir = reverse ? "down" : "up";
                    String n = clients == 1 ? "1" : "4";
                    figures.add("tp." + n + "." + dir, server.name, mbit);
                    figures.add("cpugb." + n + "." + dir, server.name, cpu / (bytes / 1e9));
                    figures.add("cpusysgb." + n + "." + dir, server.name, sys / (bytes / 1e9));
                    figures.add("cpupct." + n + "." + dir, server.name, cpu / secs * 100);
                    figures.add("machine." + n + "." + dir, server.name, machineBusy);
                    out.printf(Locale.ROOT, "    round %d  %d client%s %-15s %8.1f Mbit/s%s  server CPU %5.2f s  %6.2f CPU-s/GB (kernel %4.2f)  %3.0f %% of a core  machine %3.0f %% busy  retransmits %d%n",
                            round, clients, clients == 1 ? " " : "s", direction(reverse), mbit, each, cpu,
                            cpu / (bytes / 1e9), sys / (bytes / 1e9), cpu / secs * 100, machineBusy, retransmits);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void latency(TestNetwork net, ServerHolder server) {
        latencyWarmup(net, server);
        for (int round = 1; round <= o.rounds; round++) {
            latencyRound(net, server, round);
        }
    }

    private void latencyWarmup(TestNetwork net, ServerHolder server) {
        Ping.Result warm = Ping.run(net.processes(), net.clientNamespace(0), TestNetwork.PRIVATE_HOST,
                o.warmupPings >= 0 ? o.warmupPings : Math.max(20, o.pings / 2),
                o.warmupPingInterval > 0 ? o.warmupPingInterval : o.pingIntervalSeconds);
        out.printf(Locale.ROOT, "    warm-up ping through the tunnel: median %.3f ms (%d pings, not counted)%n",
                warm.median(), warm.rttMillis().length);
    }

    /** One round: pings on the same path without the tunnel (the baseline), then through it. */
    private void latencyRound(TestNetwork net, ServerHolder server, int round) {
        Processes p = net.processes();
        String tunnelNs = net.clientNamespace(0);
        String plainNs = net.clientNamespace(TUNNEL_CLIENTS);
        Ping.Result plain;
        p.check(null, Duration.ofSeconds(10), "ip", "-n", plainNs, "route", "add", TestNetwork.PRIVATE_CIDR,
                "via", TestNetwork.APPLIANCE_ADDRESS);
        try {
            plain = Ping.run(p, plainNs, TestNetwork.PRIVATE_HOST, o.pings, o.pingIntervalSeconds);
        } finally {
            p.run(null, Duration.ofSeconds(10), "ip", "-n", plainNs, "route", "del", TestNetwork.PRIVATE_CIDR);
        }
        Ping.Result tunnel = Ping.run(p, tunnelNs, TestNetwork.PRIVATE_HOST, o.pings, o.pingIntervalSeconds);
        figures.add("lat.tun.med", server.name, tunnel.median());
        figures.add("lat.tun.p90", server.name, tunnel.p90());
        figures.add("lat.base.med", server.name, plain.median());
        figures.add("lat.base.p90", server.name, plain.p90());
        figures.add("lat.add.med", server.name, tunnel.median() - plain.median());
        figures.add("lat.add.p90", server.name, tunnel.p90() - plain.p90());
        out.printf(Locale.ROOT, "    round %d  ping tunnel median %.3f p90 %.3f ms (lost %d)  plain median %.3f p90 %.3f ms (lost %d)  added median %.3f p90 %.3f ms%n",
                round, tunnel.median(), tunnel.p90(), tunnel.lost(), plain.median(), plain.p90(), plain.lost(),
                tunnel.median() - plain.median(), tunnel.p90() - plain.p90());
    }

    // ------------------------------------------------------------------ connect

    private void connectPart(TestNetwork net, ServerHolder server) {
        Processes p = net.processes();
        int n = o.connectClients;
        int ns = net.clientCount();
        for (int round = 1; round <= o.rounds; round++) {
            ClientFleet fleet = new ClientFleet(p, o.work.resolve(server.name).resolve("clients-connect-" + round));
            try {
                ClientFleet.Member one = fleet.start(net.clientNamespace(0), "one", profile(server.config, 0, true));
                if (ClientFleet.awaitConnected(List.of(one), Duration.ofSeconds(60), 10) < 1) {
                    throw new IllegalStateException("one client did not connect: " + ClientFleet.describeFirstFailure(List.of(one)));
                }
                figures.add("conn.1", server.name, one.connectSeconds() * 1000);
                out.printf(Locale.ROOT, "    round %d  1 client connected in %.0f ms%n", round, one.connectSeconds() * 1000);
            } finally {
                fleet.stopAll(Duration.ofSeconds(20));
            }
            sleep(2000);
            fleet = new ClientFleet(p, o.work.resolve(server.name).resolve("clients-connect-" + round));
            try {
                double cpu0 = server.cpuSeconds();
                List<ClientFleet.Member> all = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    all.add(fleet.start(net.clientNamespace(i % ns), "many-" + i, profile(server.config, i, i < ns)));
                }
                int connected = ClientFleet.awaitConnected(all, Duration.ofSeconds(180), 50);
                double cpu = server.cpuSeconds() - cpu0;
                if (connected < n) {
                    throw new IllegalStateException(connected + " of " + n + " clients connected within 180 s: "
                            + ClientFleet.describeFirstFailure(all));
                }
                double[] each = all.stream().mapToDouble(ClientFleet.Member::connectSeconds).toArray();
                long first = all.stream().mapToLong(ClientFleet.Member::startMicros).min().orElseThrow();
                long last = all.stream().mapToLong(m -> m.connectedMicros().orElseThrow()).max().orElseThrow();
                double allSeconds = (last - first) / 1e6;
                figures.add("conn.n.all", server.name, allSeconds);
                figures.add("conn.n.med", server.name, Stats.median(each));
                figures.add("conn.n.max", server.name, Stats.max(each));
                figures.add("conn.n.cpu", server.name, cpu * 1000 / n);
                long startSpread = all.stream().mapToLong(ClientFleet.Member::startMicros).max().orElseThrow() - first;
                out.printf(Locale.ROOT, "    round %d  %d clients (started within %.2f s): all connected after %.2f s, per client median %.2f s max %.2f s; server CPU %.3f s = %.2f ms per handshake%n",
                        round, n, startSpread / 1e6, allSeconds, Stats.median(each), Stats.max(each), cpu, cpu * 1000 / n);
            } finally {
                fleet.stopAll(Duration.ofSeconds(30));
            }
            sleep(3000);
        }
    }

    // ------------------------------------------------------------------ memory

    private void memoryPart(TestNetwork net, ServerHolder server) {
        Processes p = net.processes();
        server.restart();
        sleep(o.quick ? 1000 : 5000); // let the fresh server settle (the appliance: bundles, JIT)
        int ns = net.clientCount();
        out.printf(Locale.ROOT, "    memory: clients added in batches of at most %d, at most one batch per %.1f s "
                        + "(stock server connect-freq-initial: default, 100 per 10 s; the same pacing for both), "
                        + "%d namespaces, route-nopull for all but the first client of a namespace%n",
                o.batch, o.batchIntervalSeconds, ns);
        ClientFleet fleet = new ClientFleet(p, o.work.resolve(server.name).resolve("clients-memory"));
        try {
            int started = 0;
            long lastBatch = 0;
            double rss0 = Double.NaN;
            double heap0 = Double.NaN;
            double idle0 = Double.NaN;
            double rssFirst = Double.NaN;
            int connectedFirst = 0;
            int max = o.memoryClients.get(o.memoryClients.size() - 1);
            for (int level : o.memoryClients) {
                long levelStart = System.nanoTime();
                while (started < level) {
                    long wait = lastBatch + (long) (o.batchIntervalSeconds * 1e9) - System.nanoTime();
                    if (started > 0 && wait > 0) {
                        sleep(wait / 1_000_000);
                    }
                    lastBatch = System.nanoTime();
                    int b = Math.min(o.batch, level - started);
                    List<ClientFleet.Member> batch = new ArrayList<>();
                    for (int i = started; i < started + b; i++) {
                        batch.add(fleet.start(net.clientNamespace(i % ns), "mem-" + i, profile(server.config, i, i < ns)));
                    }
                    int ok = ClientFleet.awaitConnected(batch, Duration.ofSeconds(180), 250);
                    if (ok < b) {
                        out.println("    WARNING: " + (b - ok) + " of a batch of " + b + " did not connect: "
                                + ClientFleet.describeFirstFailure(batch).lines().findFirst().orElse(""));
                    }
                    started += b;
                }
                sleep(o.quick ? 1000 : 3000);
                int connected = (int) fleet.members().stream()
                        .filter(m -> m.client().process().isAlive() && m.connectedMicros().isPresent()).count();
                if ((level == 0 || level == max) && o.idleSeconds > 0) {
                    // The 0-client figure is the server's own floor (for the JVM: GC, JIT, Karaf's file
                    // polling), which per-session costs are told apart from, as for RSS.
                    long serverPid = server.process().pid();
                    if (server.isAppliance()) {
                        // After a batch of connects the JVM's JIT compiles for a while; that is warm-up,
                        // not what idle sessions cost, so the window starts once the compilers are quiet.
                        double waited = awaitCompilersQuiet(serverPid);
                        out.printf(Locale.ROOT, "    JIT compilers %s%n", waited < 0
                                ? "still busy after " + JIT_QUIET_MAX_SECONDS + " s; idle window taken anyway"
                                : String.format(Locale.ROOT, "at most %.2f s of CPU in %d s, after %.0f s",
                                        JIT_QUIET_MAX_TICKS / ProcStat.TICKS_PER_SECOND, jitQuietSeconds(), waited));
                    }
                    double pct = idleWindow(server, serverPid);
                    if (level == 0) {
                        idle0 = pct;
                        figures.add("idle.cpu0", server.name, pct);
                        out.printf(Locale.ROOT, "    idle with 0 clients: server CPU %.2f %% of a core over %d s%n", pct, o.idleSeconds);
                    } else {
                        figures.add("idle.cpu", server.name, pct * 100.0 / connected);
                        if (!Double.isNaN(idle0)) {
                            figures.add("idle.slope", server.name, (pct - idle0) * 100.0 / connected);
                        }
                        out.printf(Locale.ROOT, "    idle with %d clients: server CPU %.2f %% of a core over %d s (%.3f %% per 100 clients; %.3f %% per 100 above the 0-client floor)%n",
                                connected, pct, o.idleSeconds, pct * 100.0 / connected, (pct - idle0) * 100.0 / connected);
                    }
                }
                long pid = server.process().pid();
                Jcmd.Heap heap = null;
                if (server.isAppliance()) {
                    Jcmd.gc(p, pid);
                    sleep(1000);
                    heap = Jcmd.heap(p, pid);
                }
                long rss = ProcStat.rssKiB(server.process());
                figures.add("mem.rss." + level, server.name, rss / 1024.0);
                if (heap != null) {
                    figures.add("mem.heap." + level, server.name, heap.usedKiB() / 1024.0);
                }
                if (level == 0) {
                    rss0 = rss;
                    heap0 = heap == null ? Double.NaN : heap.usedKiB();
                } else {
                    figures.add("mem.kib." + level, server.name, (rss - rss0) / connected);
                    if (level == firstMemoryLevel()) {
                        rssFirst = rss;
                        connectedFirst = connected;
                    } else if (level == max && connected > connectedFirst && !Double.isNaN(rssFirst)) {
                        figures.add("mem.slope", server.name, (rss - rssFirst) / (connected - connectedFirst));
                    }
                    if (heap != null) {
                        figures.add("mem.heapkib." + level, server.name, (heap.usedKiB() - heap0) / connected);
                    }
                }
                out.printf(Locale.ROOT, "    %3d clients connected (level reached in %.0f s): server threads %d, RSS %,d KiB%s%s%n", connected,
                        (System.nanoTime() - levelStart) / 1e9, ProcStat.threads(server.process()), rss,
                        level == 0 ? "" : String.format(Locale.ROOT, " (+%.1f KiB per session)", (rss - rss0) / connected),
                        heap == null ? "" : String.format(Locale.ROOT, "; after GC.run heap used %,d KiB of %,d KiB committed%s",
                                heap.usedKiB(), heap.totalKiB(), level == 0 ? ""
                                        : String.format(Locale.ROOT, " (+%.1f KiB per session)", (heap.usedKiB() - heap0) / connected)));
            }
        } finally {
            fleet.stopAll(Duration.ofSeconds(60));
        }
    }

    // ------------------------------------------------------------------ targets

    /** Issue 6's targets, from the medians: met, or missed and by how much. */
    private String targets() {
        StringBuilder s = new StringBuilder("### Issue 6 targets (medians of this run)\n\n");
        if (interleaved()) {
            s.append("Throughput, CPU per GB and latency are judged by the median of the rounds' own ratios"
                    + " (differences for latency): both servers ran each round back to back.\n\n");
        }
        for (String dir : List.of("up", "down")) {
            String d = dir.equals("up") ? "client→network" : "network→client";
            s.append("- Throughput, 1 client, ").append(d).append(", at least the stock server's: ")
                    .append(atLeast("tp.1." + dir, 1.0, "Mbit/s", 0)).append('\n');
        }
        for (String dir : List.of("up", "down")) {
            String d = dir.equals("up") ? "client→network" : "network→client";
            s.append("- Server CPU per GB, 1 client, ").append(d).append(", at most half the stock server's: ")
                    .append(atMost("cpugb.1." + dir, 0.5, "CPU-s/GB", 2)).append('\n');
        }
        for (String dir : List.of("up", "down")) {
            String d = dir.equals("up") ? "client→network" : "network→client";
            s.append("- Throughput, ").append(TUNNEL_CLIENTS).append(" clients, ").append(d)
                    .append(", at least 1.5× the stock server's: ").append(atLeast("tp.4." + dir, 1.5, "Mbit/s", 0)).append('\n');
        }
        for (String q : List.of("med", "p90")) {
            String key = "lat.add." + q;
            double a = figures.median(key, APPLIANCE);
            double b = figures.median(key, STOCK);
            double[] pairs = paired(key) ? figures.pairedDifferences(key, APPLIANCE, STOCK) : new double[0];
            double d = pairs.length > 0 ? Stats.median(pairs) : a - b;
            s.append("- Added latency (").append(q.equals("med") ? "median" : "p90").append("), no higher than the stock server's: ");
            if (Double.isNaN(a) || Double.isNaN(b)) {
                s.append("not measured\n");
            } else {
                s.append(String.format(Locale.ROOT, "appliance %.3f ms, stock %.3f ms", a, b))
                        .append(pairs.length > 0 ? String.format(Locale.ROOT, ", rounds' differences %s ms (median %+.3f)",
                                Arrays.stream(pairs).mapToObj(x -> String.format(Locale.ROOT, "%+.3f", x))
                                        .collect(Collectors.joining(", ")), d) : "")
                        .append(": ")
                        .append(d <= 0 ? "met" : String.format(Locale.ROOT, "MISSED by %.3f ms%s", d,
                                b > 0 ? String.format(Locale.ROOT, " (%.1f× the stock server's)", a / b) : ""))
                        .append('\n');
            }
        }
        int top = maxMemoryClients();
        if (top > 0) {
            // The "grows by about 155–160 KB per connected session, measured with 50–500 clients" is the
            // slope between the levels; from 0 the first sessions also pay the server's one-time growth
            // (for the JVM: classes, JIT code and heap regions of the TLS and data paths).
            boolean slope = firstMemoryLevel() > 0 && firstMemoryLevel() < top;
            s.append("- Memory growth per session (").append(slope ? firstMemoryLevel() + " → " + top : String.valueOf(top))
                    .append(" clients), at most half the stock server's (the issue measured ~155–160 KB for it): ")
                    .append(atMost(slope ? "mem.slope" : "mem.kib." + top, 0.5, "KiB", 1)).append('\n');
        }
        s.append("- Server CPU per full handshake (").append(o.connectClients).append(" stock clients), no more than the stock server's (the issue measured 3–4 ms): ")
                .append(atMost("conn.n.cpu", 1.0, "ms", 2))
                .append(" (here the appliance's JVM is minutes old and C2 has not yet compiled its handshake path, and the"
                        + " stock clients' own start, 45–60 ms of CPU each, dominates the wall time; the issue's handshake"
                        + " target is measured with the load client, JIT-warm: tools/load-client, docs/benchmarks.md)\n");
        if (top > 0) {
            s.append("- Idle sessions, server CPU per 100 above its own 0-client floor, no more than the stock server's (the issue measured ~0.34 % of a core per 100 clients): ")
                    .append(atMost("idle.slope", 1.0, "% of a core per 100", 3)).append('\n');
            s.append("- Idle, whole server with ").append(top).append(" clients (floor included), per 100 clients: ")
                    .append(atMost("idle.cpu", 1.0, "% of a core per 100", 3)).append('\n');
        }
        return s.toString();
    }

    private String atLeast(String key, double target, String unit, int decimals) {
        double a = figures.median(key, APPLIANCE);
        double b = figures.median(key, STOCK);
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "not measured";
        }
        double[] pairs = pairedRatios(key);
        double r = pairs.length > 0 ? Stats.median(pairs) : a / b;
        String values = values(pairs, a, b, r, target, unit, decimals);
        return values + (r >= target ? "met" : String.format(Locale.ROOT, "MISSED, %.1f %% short of %.1f× stock", (1 - r / target) * 100, target));
    }

    private String atMost(String key, double target, String unit, int decimals) {
        double a = figures.median(key, APPLIANCE);
        double b = figures.median(key, STOCK);
        if (Double.isNaN(a) || Double.isNaN(b) || b <= 0) {
            return "not measured";
        }
        double[] pairs = pairedRatios(key);
        double r = pairs.length > 0 ? Stats.median(pairs) : a / b;
        String values = values(pairs, a, b, r, target, unit, decimals);
        return values + (r <= target ? "met"
                : String.format(Locale.ROOT, "MISSED, %.2f× the allowed %.2f× (needs %.0f %% less)", r / target, target, (1 - target / r) * 100));
    }

    /**
     * The rounds' own ratios appliance / stock where both servers ran each round back to back (the
     * targets are then judged by their median), else none (then by the medians' ratio).
     */
    private double[] pairedRatios(String key) {
        return paired(key) ? figures.pairedRatios(key, APPLIANCE, STOCK) : new double[0];
    }

    private String values(double[] pairs, double a, double b, double r, double target, String unit, int decimals) {
        String medians = "appliance " + Stats.fmt(a, decimals) + " " + unit + ", stock " + Stats.fmt(b, decimals) + " " + unit;
        return pairs.length > 0
                ? medians + "; rounds' ratios " + Arrays.stream(pairs)
                        .mapToObj(x -> Stats.fmt(x, 2)).collect(Collectors.joining(", "))
                        + ", median " + ratio(r, target) + "× stock: "
                : medians + " = " + ratio(r, target) + "× stock: ";
    }

    /** Two decimals, three when that close to the target (so 0.996 does not read as "1.00, missed"). */
    private static String ratio(double r, double target) {
        return Stats.fmt(r, Math.abs(r - target) < 0.01 ? 3 : 2);
    }

    // ------------------------------------------------------------------ bits

    static String direction(boolean reverse) {
        return reverse ? "network→client" : "client→network";
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(Math.max(0, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Writes to two streams (the terminal and the report file). */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }

}

