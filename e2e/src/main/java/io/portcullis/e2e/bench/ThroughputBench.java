package io.portcullis.e2e.bench;

import io.portcullis.e2e.Iperf3;
import io.portcullis.e2e.OpenVpnClient;
import io.portcullis.e2e.ProcStat;
import io.portcullis.e2e.TestNetwork;
import io.portcullis.e2e.TestPki;
import io.portcullis.e2e.Transport;
import io.portcullis.e2e.VpnServerConfig;
import io.portcullis.e2e.VpnServerUnderTest;
import io.portcullis.e2e.VpnServers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * iperf3 TCP throughput through a VPN server with one stock client, in the end-to-end test
 * network: client namespace -> server (appliance namespace) -> private host 10.0.0.10, both
 * directions, several rounds, with the server's CPU seconds (process tree, /proc) over each run.
 *
 * <pre>
 * java -cp e2e/target/classes io.portcullis.e2e.bench.ThroughputBench \
 *     [--server stock] [--transport udp|tcp] [--cipher AES-256-GCM] [--seconds 10] [--rounds 3] [--work DIR]
 * </pre>
 * Run as root (see e2e/bench.sh). Asserts nothing; prints a table. With {@code --seconds 1
 * --rounds 1} it is the smoke run CI can afford.
 */
public final class ThroughputBench {

    record Run(int round, boolean reverse, Iperf3.Result result, double serverCpuSeconds) {
        double cpuSecondsPerGB() {
            return serverCpuSeconds / (result.receivedBytes() / 1e9);
        }
    }

    public static void main(String[] args) throws Exception {
        String serverName = "stock";
        Transport transport = Transport.UDP;
        String cipher = "AES-256-GCM";
        int seconds = 10;
        int rounds = 3;
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--server" -> serverName = args[++i];
                case "--transport" -> transport = Transport.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--cipher" -> cipher = args[++i];
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i] + "\nusage: ThroughputBench [--server "
                            + String.join("|", VpnServers.NAMES) + "] [--transport udp|tcp] [--cipher NAME]"
                            + " [--seconds N] [--rounds N] [--work DIR]");
                    System.exit(2);
                }
            }
        }
        if (work == null) {
            work = Path.of("target", "bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        work = work.toAbsolutePath();
        Files.createDirectories(work);

        List<Run> runs = new ArrayList<>();
        String clientCipher;
        try (TestNetwork net = TestNetwork.create(work)) {
            TestPki pki = TestPki.create(work.resolve("pki"));
            VpnServerConfig config = VpnServerConfig.defaults(net, pki, transport, work.resolve("server"))
                    .withDataCiphers(List.of(cipher));
            Iperf3.startServer(net.processes(), net.privateNamespace(), TestNetwork.PRIVATE_HOST, Iperf3.DEFAULT_PORT);
            try (VpnServerUnderTest server = VpnServers.create(serverName, net.processes())) {
                server.start(config, Duration.ofSeconds(60));
                OpenVpnClient client = OpenVpnClient.start(net.processes(), net.clientNamespace(), "bench",
                        OpenVpnClient.Profile.forServer(config, pki.client("bench")).withDataCiphers(List.of(cipher)),
                        work.resolve("client"));
                client.awaitConnected(Duration.ofSeconds(30));
                clientCipher = client.awaitLog("Data Channel: cipher '([^']+)'", Duration.ofSeconds(5)).group(1);
                System.out.printf("server %s (pid %d), client %s via %s, data channel %s, work dir %s%n",
                        server.name(), server.process().pid(), client.address(), transport.option(), clientCipher, work);
                for (int round = 1; round <= rounds; round++) {
                    for (boolean reverse : new boolean[] {false, true}) {
                        double cpu0 = ProcStat.cpuSeconds(server.process());
                        Iperf3.Result r = Iperf3.run(net.processes(), net.clientNamespace(), TestNetwork.PRIVATE_HOST,
                                Iperf3.DEFAULT_PORT, seconds, reverse);
                        double cpu = ProcStat.cpuSeconds(server.process()) - cpu0;
                        Run run = new Run(round, reverse, r, cpu);
                        runs.add(run);
                        System.out.printf("round %d %-17s %8.1f Mbit/s  server CPU %5.2f s  %5.2f CPU-s/GB  retransmits %d%n",
                                round, direction(reverse), r.mbitPerSecond(), cpu, run.cpuSecondsPerGB(), r.retransmits());
                    }
                }
                client.stop();
            }
        }
        System.out.println();
        System.out.println(summary(serverName, transport, clientCipher, seconds, rounds, runs));
    }

    static String direction(boolean reverse) {
        return reverse ? "network->client" : "client->network";
    }

    /** Markdown table: per direction, median (min–max) throughput and server CPU per GB. */
    static String summary(String server, Transport transport, String cipher, int seconds, int rounds, List<Run> runs) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%s, %s, %s, 1 client, iperf3 TCP %d s x %d rounds%n%n", server, transport.option(),
                cipher, seconds, rounds));
        s.append("| server | direction | Mbit/s median | Mbit/s min–max | server CPU s per run (median) | server CPU s per GB (median) |\n");
        s.append("|---|---|---:|---:|---:|---:|\n");
        for (boolean reverse : new boolean[] {false, true}) {
            List<Run> dir = runs.stream().filter(r -> r.reverse() == reverse).toList();
            double[] mbit = dir.stream().mapToDouble(r -> r.result().mbitPerSecond()).toArray();
            double[] cpu = dir.stream().mapToDouble(Run::serverCpuSeconds).toArray();
            double[] perGb = dir.stream().mapToDouble(Run::cpuSecondsPerGB).toArray();
            s.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f–%.0f | %.2f | %.2f |%n", server,
                    direction(reverse), median(mbit), min(mbit), max(mbit), median(cpu), median(perGb)));
        }
        return s.toString();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    private ThroughputBench() {}
}
