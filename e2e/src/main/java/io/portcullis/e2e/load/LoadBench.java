package io.portcullis.e2e.load;

import io.portcullis.e2e.ManagedProcess;
import io.portcullis.e2e.PortcullisAppliance;
import io.portcullis.e2e.ProcStat;
import io.portcullis.e2e.Processes;
import io.portcullis.e2e.StockOpenVpnServer;
import io.portcullis.e2e.TestNetwork;
import io.portcullis.e2e.TestPki;
import io.portcullis.e2e.Transport;
import io.portcullis.e2e.VpnServerConfig;
import io.portcullis.e2e.VpnServerUnderTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 6's handshake and idle-session figures for the appliance, with the protocol-level load
 * client ({@code tools/load-client}, started as a separate process inside the client namespace, so
 * this module keeps no dependency on the protocol): the appliance (the default
 * {@link VpnServerConfig}, with a client CIDR large enough for the sessions) in the appliance
 * namespace, then for each session count: the ramp (handshakes per second, appliance CPU per
 * handshake), the hold (appliance idle CPU per 100 sessions, resident memory and heap per session
 * after a {@code jcmd GC.run}), the teardown (every session gone from the appliance). With
 * {@code --renegotiate N}, N held sessions renegotiate (client-initiated soft reset, a new TLS
 * handshake each) at the start of the hold, and the appliance's CPU over that phase gives its CPU
 * per renegotiation, next to the stock OpenVPN server's {@value #STOCK_RENEGOTIATION_MS} ms (issue 6).
 *
 * <pre>
 * java -cp &lt;e2e classes&gt; io.portcullis.e2e.load.LoadBench [--sessions 1000,10000] [--hold 30]
 *     [--rate 0] [--concurrency 64] [--client-threads 2] [--client-cidr 10.8.0.0/18]
 *     [--client-jar tools/load-client/target/load-client.jar] [--client-heap 3g] [--idle 10]
 *     [--jfr none|ramp,hold,client] [--warmup N] [--distinct-certs N] [--client-ec-provider bc|jdk]
 *     [--histogram] [--renegotiate N] [--work DIR]
 * </pre>
 * A count ending in {@code d} ({@code --sessions 2000,2000d --distinct-certs 2000}) gives each session
 * of that run its own client certificate (issued up front), so the appliance validates a chain it
 * has not seen; the others share one certificate, whose parsing and chain check the JDK caches.
 * Run as root (namespaces, TUN). Asserts nothing; prints a table. Every wait is bounded; the
 * network's close() kills what was started (by PID) and deletes the namespaces.
 */
public final class LoadBench {

    /** What the figures are of: "appliance", or "stock server" with {@code --server stock}. */
    static String serverLabel = "appliance";

    /** Issue 6: the stock OpenVPN server's CPU per key renegotiation (EC P-256, tls-crypt). */
    static final String STOCK_RENEGOTIATION_MS = "2.2-2.6";

    /** Appliance CPU seconds, RSS and heap at one moment. */
    record Sample(long nanos, double cpuSeconds, long rssKiB, long heapUsedKiB, String loadAverage,
                  Map<String, Long> threadTicks) {
    }

    /** One run of the load client and what the appliance did meanwhile. */
    record Run(int sessions, String clientJson, Sample before, Sample rampStart, Sample rampEnd, Sample idleStart,
               Sample idleEnd, Sample held, long liveDuringHold, Sample after, long liveAfter,
               double clientRampSeconds, Sample renegotiationStart, Sample renegotiationEnd) {

        boolean distinctCerts() {
            return !Pattern.compile("[^0-9]1 client certificate").matcher(clientJson).find();
        }

        double clientField(String name) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(null|-?[0-9.]+)").matcher(clientJson);
            return m.find() && !m.group(1).equals("null") ? Double.parseDouble(m.group(1)) : Double.NaN;
        }

        int established() {
            return (int) clientField("sessionsEstablished");
        }

        int heldSessions() {
            return (int) clientField("sessionsHeldAtEndOfHold");
        }

        double applianceCpuRamp() {
            return rampEnd.cpuSeconds - rampStart.cpuSeconds;
        }

        double applianceCpuMsPerHandshake() {
            return applianceCpuRamp() * 1000 / established();
        }

        boolean renegotiated() {
            return renegotiationStart != null && renegotiationEnd != null;
        }

        double applianceCpuRenegotiation() {
            return renegotiated() ? renegotiationEnd.cpuSeconds - renegotiationStart.cpuSeconds : Double.NaN;
        }

        /** Appliance CPU over the renegotiation phase / renegotiations completed (NaN without them). */
        double applianceCpuMsPerRenegotiation() {
            return applianceCpuRenegotiation() * 1000 / clientField("renegotiationsCompleted");
        }

        double idleSeconds() {
            return (idleEnd.nanos - idleStart.nanos) / 1e9;
        }

        /** Percent of one core used by the appliance during the idle window. */
        double idlePercentOfCore() {
            return (idleEnd.cpuSeconds - idleStart.cpuSeconds) / idleSeconds() * 100;
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> counts = List.of("1000", "10000");
        int hold = 30;
        double rate = 0;
        int concurrency = 64;
        int clientThreads = 2;
        String clientCidr = "10.8.0.0/18";
        Path clientJar = null;
        String clientHeap = "3g";
        int idle = 10;
        String jfr = "none";
        int warmup = 0;
        int distinctCerts = 0;
        String ecProvider = "bc";
        boolean histogram = false;
        int renegotiate = 0;
        boolean stock = false;
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sessions" -> counts = Arrays.stream(args[++i].split(",")).map(String::trim).toList();
                case "--hold" -> hold = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--client-threads" -> clientThreads = Integer.parseInt(args[++i]);
                case "--client-cidr" -> clientCidr = args[++i];
                case "--client-jar" -> clientJar = Path.of(args[++i]);
                case "--client-heap" -> clientHeap = args[++i];
                case "--idle" -> idle = Integer.parseInt(args[++i]);
                case "--jfr" -> jfr = args[++i];
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--distinct-certs" -> distinctCerts = Integer.parseInt(args[++i]);
                case "--client-ec-provider" -> ecProvider = args[++i];
                case "--histogram" -> histogram = true;
                case "--renegotiate" -> renegotiate = Integer.parseInt(args[++i]);
                case "--server" -> stock = switch (args[++i]) {
                    case "portcullis", "appliance" -> false;
                    case "stock" -> true;
                    default -> throw new IllegalArgumentException("--server: portcullis or stock, not " + args[i]);
                };
                case "--work" -> work = Path.of(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i] + "\nusage: LoadBench [--sessions 1000,10000]"
                            + " [--hold 30] [--rate 0] [--concurrency 64] [--client-threads 2] [--client-cidr CIDR]"
                            + " [--client-jar JAR] [--client-heap 3g] [--idle 10] [--jfr none|ramp,hold,client]"
                            + " [--warmup N] [--distinct-certs N] [--client-ec-provider bc|jdk] [--histogram]"
                            + " [--renegotiate N] [--server portcullis|stock] [--work DIR]");
                    System.exit(2);
                }
            }
        }
        if (hold < 15) {
            throw new IllegalArgumentException("--hold must be at least 15 s (idle window, then GC and memory)");
        }
        clientJar = (clientJar != null ? clientJar : findClientJar()).toAbsolutePath();
        if (!Files.isRegularFile(clientJar)) {
            throw new IllegalStateException("no load client jar at " + clientJar
                    + ": mvn -B -o -q -pl tools/load-client package -DskipTests");
        }
        if (work == null) {
            work = Path.of("target", "load",
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        work = work.toAbsolutePath();
        Files.createDirectories(work);

        List<Run> runs = new ArrayList<>();
        Sample idleBaseline0;
        Sample idleBaseline1;
        try (TestNetwork net = TestNetwork.create(work)) {
            TestPki pki = TestPki.create(work.resolve("pki"));
            TestPki.Credential client = pki.client("load0");
            List<String> singleCert = List.of("--cert", client.cert().toString(), "--key", client.key().toString());
            singleCert = new ArrayList<>(singleCert);
            singleCert.addAll(List.of("--ec-provider", ecProvider));
            List<String> certArgs = singleCert;
            if (distinctCerts > 0) {
                // One certificate per session (round robin over N): the appliance's per-handshake work then
                // includes validating a chain it has not seen (the JDK caches parsed certificates, 750 of them).
                Path dir = work.resolve("client-certs");
                Files.createDirectories(dir);
                long t0 = System.nanoTime();
                for (int i = 1; i <= distinctCerts; i++) {
                    TestPki.Credential c = pki.client("load" + i);
                    Files.createSymbolicLink(dir.resolve("load" + i + ".crt"), c.cert());
                    Files.createSymbolicLink(dir.resolve("load" + i + ".key"), c.key());
                }
                System.out.printf(Locale.ROOT, "%d client certificates issued in %.0f s%n", distinctCerts,
                        (System.nanoTime() - t0) / 1e9);
                certArgs = List.of("--cert-dir", dir.toString(), "--ec-provider", ecProvider);
            }
            // The default configuration, but a client CIDR that holds the sessions (the default /24 holds 253).
            VpnServerConfig config = VpnServerConfig.defaults(net, pki, Transport.UDP, work.resolve("server"))
                    .withClientCidrBlock(clientCidr);
            VpnServerUnderTest server;
            if (stock) {
                serverLabel = "stock server";
                // The same workload through openvpn --server: room for the sessions, no pacing of new
                // ones (its default admits 100 per 10 s), and its status file written every 10 s rather
                // than the harness's every second (a 10,000-line file each second would be the harness's cost);
                // duplicate-cn since the load client's sessions share one certificate unless --distinct-certs
                // (without it the stock server ends a session whenever another with the same name arrives).
                server = new StockOpenVpnServer(net.processes()).withExtraLines(
                        "max-clients 20000", "connect-freq-initial 1000000 10", "duplicate-cn",
                        "status " + config.workDir().resolve("status.log") + " 10");
            } else {
                server = new PortcullisAppliance(net.processes());
            }
            try (server) {
                server.start(config, Duration.ofSeconds(120));
                long pid = server.process().pid();
                System.out.printf("%s pid %d, client CIDR %s, work dir %s%n", server.name(), pid,
                        clientCidr, work);
                sleep(Duration.ofSeconds(5)); // boot activity settles
                if (warmup > 0) {
                    // JIT warm-up of both sides; reported, but not in the summary
                    Run w = runOnce(net, server, config, pki, singleCert, clientJar, clientHeap, warmup, 15, rate,
                            concurrency, clientThreads, "none", false, Math.min(warmup, renegotiate), work);
                    System.out.println("warm-up run (not in the summary):" + describe(w));
                    sleep(Duration.ofSeconds(5));
                }
                idleBaseline0 = sample(server, false, net.processes());
                sleep(Duration.ofSeconds(idle));
                idleBaseline1 = sample(server, false, net.processes());
                System.out.printf(Locale.ROOT, serverLabel + " with no session: %.2f %% of a core over %d s%n",
                        pct(idleBaseline0, idleBaseline1), idle);
                for (String count : counts) {
                    // "2000d": this run uses the --distinct-certs certificates, the others the single one
                    boolean distinct = count.endsWith("d");
                    int n = Integer.parseInt(distinct ? count.substring(0, count.length() - 1) : count);
                    if (distinct && distinctCerts == 0) {
                        throw new IllegalArgumentException(count + ": a 'd' run needs --distinct-certs N");
                    }
                    Run r = runOnce(net, server, config, pki, distinct ? certArgs : singleCert, clientJar,
                            clientHeap, n, hold, rate,
                            concurrency, clientThreads, jfr, histogram, Math.min(n, renegotiate), work);
                    runs.add(r);
                    System.out.println(describe(r));
                }
            }
        }
        System.out.println();
        System.out.println(summary(runs, idleBaseline0, idleBaseline1, rate, concurrency, clientThreads, hold));
    }

    private static Run runOnce(TestNetwork net, VpnServerUnderTest server, VpnServerConfig config, TestPki pki,
                               List<String> certArgs, Path clientJar, String clientHeap, int n, int hold,
                               double rate, int concurrency, int clientThreads, String jfr, boolean histogram,
                               int renegotiate, Path work) {
        Processes p = net.processes();
        long pid = server.process().pid();
        // JFR recordings and class histograms are of the appliance's JVM; the stock server has none.
        boolean jvm = server instanceof PortcullisAppliance;
        boolean jfrRamp = jvm && jfr.contains("ramp");
        boolean jfrHold = jvm && jfr.contains("hold");
        Sample before = sample(server, true, p);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + clientHeap));
        if (jfr.contains("client")) {
            cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + work.resolve("client-" + n + ".jfr"));
        }
        cmd.addAll(List.of("-jar", clientJar.toString(),
                "--server", config.listenAddress() + ":" + config.port(), "--ca", pki.caCert().toString(),
                "--tls-crypt", pki.tlsCryptKey().toString(), "--sessions", Integer.toString(n),
                "--rate", Double.toString(rate), "--concurrency", Integer.toString(concurrency),
                "--threads", Integer.toString(clientThreads), "--hold", Integer.toString(hold),
                "--renegotiate", Integer.toString(renegotiate), "--timeout", "60", "--json"));
        cmd.addAll(certArgs);
        ManagedProcess lc = p.start("load-client-" + n, net.clientNamespace(), cmd);
        Path err = lc.stderrFile();
        lc.awaitLog(err, Pattern.compile("load-client: ramp started"), Duration.ofSeconds(60));
        Sample rampStart = sample(server, false, p);
        if (jfrRamp) {
            jfr(p, pid, "JFR.start", "name=ramp", "settings=profile");
        }
        Matcher done = lc.awaitLog(err, Pattern.compile("load-client: ramp done: .* in ([0-9.]+) s"),
                Duration.ofSeconds(600 + 120));
        Sample rampEnd = sample(server, false, p);
        if (jfrRamp) {
            jfr(p, pid, "JFR.stop", "name=ramp", "filename=" + work.resolve("appliance-ramp-" + n + ".jfr"));
        }
        double clientRamp = Double.parseDouble(done.group(1));
        lc.awaitLog(err, Pattern.compile("load-client: hold started"), Duration.ofSeconds(30));
        Sample renegotiationStart = null;
        Sample renegotiationEnd = null;
        if (renegotiate > 0) {
            // The client renegotiates first, then holds for --hold s: the idle window below stays idle.
            lc.awaitLog(err, Pattern.compile("load-client: renegotiation started"), Duration.ofSeconds(30));
            renegotiationStart = sample(server, false, p);
            lc.awaitLog(err, Pattern.compile("load-client: renegotiation done"), Duration.ofSeconds(600 + 120));
            renegotiationEnd = sample(server, false, p);
        }
        long holdStarted = System.nanoTime();
        // The hold's timeline: 2 s settle, an idle window, then GC + memory (which costs CPU) before it ends.
        sleepUntil(holdStarted + Duration.ofSeconds(2).toNanos());
        Sample idleStart = sample(server, false, p);
        if (jfrHold) {
            jfr(p, pid, "JFR.start", "name=hold", "settings=profile");
        }
        sleepUntil(holdStarted + Duration.ofSeconds(hold - 8).toNanos());
        Sample idleEnd = sample(server, false, p);
        if (jfrHold) {
            jfr(p, pid, "JFR.stop", "name=hold", "filename=" + work.resolve("appliance-hold-" + n + ".jfr"));
        }
        Sample held = sample(server, true, p);
        if (histogram && jvm) {
            String h = p.run(null, Duration.ofSeconds(60), "jcmd", Long.toString(pid), "GC.class_histogram")
                    .orThrow().stdout();
            try {
                Files.writeString(work.resolve("appliance-histogram-" + n + ".txt"), h);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long liveDuringHold = liveConnections(server, config.name());
        lc.awaitLog(err, Pattern.compile("load-client: teardown done"), Duration.ofSeconds(60 + n / 100));
        if (!lc.awaitExit(Duration.ofSeconds(30))) {
            lc.kill();
        }
        String json = lc.stdoutText().lines().filter(l -> l.startsWith("{")).findFirst().orElse("{}");
        long liveAfter = -1;
        for (int i = 0; i < 40; i++) { // the exits reach the server within moments; bounded
            sleep(Duration.ofMillis(500));
            liveAfter = liveConnections(server, config.name());
            if (liveAfter == 0) {
                break;
            }
        }
        Sample after = sample(server, true, p);
        return new Run(n, json, before, rampStart, rampEnd, idleStart, idleEnd, held, liveDuringHold, after,
                liveAfter, clientRamp, renegotiationStart, renegotiationEnd);
    }

    /** CPU, load average and RSS of the server; for the appliance's JVM (after a full GC if {@code gc}) its heap used. */
    static Sample sample(VpnServerUnderTest server, boolean gc, Processes p) {
        ProcessHandle h = server.process();
        long heap = -1;
        if (gc && server instanceof PortcullisAppliance) {
            p.run(null, Duration.ofSeconds(60), "jcmd", Long.toString(h.pid()), "GC.run").orThrow();
            String info = p.run(null, Duration.ofSeconds(60), "jcmd", Long.toString(h.pid()), "GC.heap_info")
                    .orThrow().stdout();
            Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
            heap = m.find() ? Long.parseLong(m.group(1)) : -1;
        }
        return new Sample(System.nanoTime(), ProcStat.cpuSeconds(h), ProcStat.rssKiB(h), heap, loadAverage(),
                ProcStat.threadTicks(h.pid()));
    }

    private static void jfr(Processes p, long pid, String... command) {
        List<String> cmd = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
        cmd.addAll(List.of(command));
        p.run(null, Duration.ofSeconds(60), cmd).orThrow();
    }

    /** Admitted connections not yet ended, from the endpoint's connection log (rotated files included). */
    static long liveConnections(VpnServerUnderTest server, String endpoint) {
        if (server instanceof StockOpenVpnServer stock) {
            return stock.connectedClients();
        }
        Path log = ((PortcullisAppliance) server).connectionLog(endpoint);
        long admitted = 0;
        long ended = 0;
        for (int i = 0; i <= 20; i++) {
            Path f = i == 0 ? log : log.resolveSibling(log.getFileName() + "." + i);
            if (!Files.exists(f)) {
                continue;
            }
            try (var lines = Files.lines(f)) {
                for (String l : (Iterable<String>) lines::iterator) {
                    if (l.contains("\"connection-log-type\":\"connection-attempt\"")
                            && l.contains("\"connection-attempt-status\":\"successful\"")) {
                        admitted++;
                    } else if (l.contains("\"connection-log-type\":\"connection-reset\"")) {
                        ended++;
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                return -1;
            }
        }
        return admitted - ended;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static double pct(Sample a, Sample b) {
        return (b.cpuSeconds - a.cpuSeconds) / ((b.nanos - a.nanos) / 1e9) * 100;
    }

    static String describe(Run r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%n== %,d sessions%s ==%nload client: %s%n", r.sessions,
                r.distinctCerts() ? ", one client certificate each" : "", r.clientJson));
        s.append(String.format(Locale.ROOT,
                "ramp: %.2f s (client), " + serverLabel + " CPU %.2f s, load average %s -> %s%n",
                r.clientRampSeconds, r.applianceCpuRamp(), r.rampStart.loadAverage, r.rampEnd.loadAverage));
        s.append("  " + serverLabel + " threads, ramp: ").append(ProcStat.topThreads(r.rampStart.threadTicks(), r.rampEnd.threadTicks(), 6)).append('\n');
        s.append(String.format(Locale.ROOT, serverLabel + " CPU per handshake: %.2f ms%n", r.applianceCpuMsPerHandshake()));
        if (r.renegotiated()) {
            s.append(String.format(Locale.ROOT, serverLabel + " CPU per renegotiation: %.2f ms (stock OpenVPN server: %s ms"
                    + " per renegotiation, EC P-256, tls-crypt; issue 6)%n", r.applianceCpuMsPerRenegotiation(),
                    STOCK_RENEGOTIATION_MS));
            s.append(String.format(Locale.ROOT, "renegotiation: %,d completed, %,d failed, %.2f s (client), %.1f/s,"
                            + " latency p50/p90/p99 %.0f / %.0f / %.0f ms; " + serverLabel + " CPU %.2f s%n",
                    (int) r.clientField("renegotiationsCompleted"), (int) r.clientField("renegotiationsFailed"),
                    r.clientField("renegotiationSeconds"), r.clientField("renegotiationsPerSecond"),
                    r.clientField("renegotiationLatencyP50Ms"), r.clientField("renegotiationLatencyP90Ms"),
                    r.clientField("renegotiationLatencyP99Ms"), r.applianceCpuRenegotiation()));
            s.append("  " + serverLabel + " threads, renegotiation: ")
                    .append(ProcStat.topThreads(r.renegotiationStart.threadTicks(), r.renegotiationEnd.threadTicks(), 6)).append('\n');
        }
        s.append(String.format(Locale.ROOT, "hold: idle window %.1f s, " + serverLabel + " CPU %.2f s (%.2f %% of a core),"
                        + " load average %s; " + serverLabel + " live connections %d%n", r.idleSeconds(),
                r.idleEnd.cpuSeconds - r.idleStart.cpuSeconds, r.idlePercentOfCore(), r.idleEnd.loadAverage,
                r.liveDuringHold));
        s.append("  " + serverLabel + " threads, idle window: ").append(ProcStat.topThreads(r.idleStart.threadTicks(), r.idleEnd.threadTicks(), 6)).append('\n');
        s.append(String.format(Locale.ROOT, "memory (after GC.run): before RSS %,d KiB heap %,d KiB; held RSS %,d KiB"
                        + " heap %,d KiB; after teardown RSS %,d KiB heap %,d KiB; live after teardown %d%n",
                r.before.rssKiB, r.before.heapUsedKiB, r.held.rssKiB, r.held.heapUsedKiB, r.after.rssKiB,
                r.after.heapUsedKiB, r.liveAfter));
        return s.toString();
    }

    static String summary(List<Run> runs, Sample idle0, Sample idle1, double rate, int concurrency, int threads,
                          int hold) {
        double baseline = pct(idle0, idle1);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Load client against the " + serverLabel + ": UDP, tls-crypt, EC P-256, AES-256-GCM,"
                        + " keepalive 10/60 pushed; rate %s, concurrency %d, %d client I/O threads, hold %d s;"
                        + " " + serverLabel + " with no session: %.2f %% of a core%n%n",
                rate > 0 ? rate + "/s" : "unlimited", concurrency, threads, hold, baseline));
        s.append("| sessions | established | failed | held (client / " + serverLabel + ") | handshakes/s | latency p50/p90/p99 ms"
                + " | " + serverLabel + " CPU ms/handshake | client CPU ms/handshake | RSS growth KiB/session"
                + " | heap growth KiB/session"
                + " | idle % of a core per 100 sessions (minus no-session baseline) | live after teardown |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            int held = r.heldSessions();
            double per100 = held > 0 ? r.idlePercentOfCore() / held * 100 : Double.NaN;
            double per100Net = held > 0 ? (r.idlePercentOfCore() - baseline) / held * 100 : Double.NaN;
            s.append(String.format(Locale.ROOT,
                    "| %,d%s | %,d | %,d | %,d / %,d | %.0f | %.0f / %.0f / %.0f | %.2f | %.2f | %.1f | %.1f"
                    + " | %.3f (%.3f) | %d |%n", r.sessions, r.distinctCerts() ? " (distinct certs)" : "",
                    r.established(), (int) r.clientField("sessionsFailed"), held, r.liveDuringHold,
                    r.clientField("handshakesPerSecond"), r.clientField("latencyP50Ms"), r.clientField("latencyP90Ms"),
                    r.clientField("latencyP99Ms"), r.applianceCpuMsPerHandshake(),
                    r.clientField("clientCpuMsPerHandshake"),
                    held > 0 ? (double) (r.held.rssKiB - r.before.rssKiB) / held : Double.NaN,
                    held > 0 ? (double) (r.held.heapUsedKiB - r.before.heapUsedKiB) / held : Double.NaN,
                    per100, per100Net, r.liveAfter));
        }
        if (runs.stream().anyMatch(Run::renegotiated)) {
            s.append('\n').append(renegotiationSummary(runs));
        }
        return s.toString();
    }

    /** The renegotiation figures of the runs that had them, against the stock server's. */
    static String renegotiationSummary(List<Run> runs) {
        StringBuilder s = new StringBuilder();
        s.append("Renegotiations of held sessions (client-initiated soft reset, a new TLS handshake each); stock"
                + " OpenVPN server: " + STOCK_RENEGOTIATION_MS + " ms CPU per renegotiation (issue 6)\n\n");
        s.append("| sessions | renegotiations completed / failed | renegotiations/s | latency p50/p90/p99 ms"
                + " | " + serverLabel + " CPU ms/renegotiation | " + serverLabel + " CPU ms/handshake | client CPU ms/renegotiation |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            if (!r.renegotiated()) {
                continue;
            }
            s.append(String.format(Locale.ROOT,
                    "| %,d | %,d / %,d | %.0f | %.0f / %.0f / %.0f | %.2f | %.2f | %.2f |%n", r.sessions,
                    (int) r.clientField("renegotiationsCompleted"),
                    (int) r.clientField("renegotiationsFailed"), r.clientField("renegotiationsPerSecond"),
                    r.clientField("renegotiationLatencyP50Ms"), r.clientField("renegotiationLatencyP90Ms"),
                    r.clientField("renegotiationLatencyP99Ms"), r.applianceCpuMsPerRenegotiation(),
                    r.applianceCpuMsPerHandshake(), r.clientField("clientCpuMsPerRenegotiation")));
        }
        return s.toString();
    }

    static Path findClientJar() {
        for (Path p : List.of(Path.of("tools/load-client/target/load-client.jar"),
                Path.of("../tools/load-client/target/load-client.jar"))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return Path.of("tools/load-client/target/load-client.jar");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void sleepUntil(long nanos) {
        long left = nanos - System.nanoTime();
        if (left > 0) {
            sleep(Duration.ofNanos(left));
        }
    }

    private LoadBench() {}
}
