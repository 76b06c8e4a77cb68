package io.portcullis.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the appliance promises beyond the tunnel contract (issue 4): every data cipher, no
 * control-channel protection, 20 clients at once, a revoked client dropped live, dead clients
 * reaped, clean exits removed at once, renegotiation without a gap. One network with 20 client
 * namespaces per class; one appliance per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class ApplianceEndpointIT {

    private static final int CLIENTS = 20;
    private static final Duration CONNECT = Duration.ofSeconds(20);

    private TestNetwork net;
    private TestPki pki;
    private HttpServer http;
    private Path work;
    private PortcullisAppliance appliance;
    private final List<OpenVpnClient> clients = new ArrayList<>();

    @BeforeAll
    void createNetwork() {
        E2eSupport.assumeRoot();
        work = E2eSupport.workDir(getClass().getSimpleName());
        net = TestNetwork.create(work, CLIENTS);
        pki = TestPki.create(work.resolve("pki"));
        http = HttpServer.start(net, work.resolve("www"));
    }

    @AfterAll
    void removeNetwork() {
        if (net != null) {
            net.close();
        }
    }

    @AfterEach
    void stopAll() {
        clients.forEach(OpenVpnClient::close);
        clients.clear();
        if (appliance != null) {
            appliance.stop();
            appliance = null;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"})
    void eachDataCipherCarriesTraffic(String cipher) {
        VpnServerConfig server = start("cipher-" + cipher.toLowerCase(), c -> c);
        OpenVpnClient client = connect(0, "cipher-" + cipher.toLowerCase(),
                OpenVpnClient.Profile.forServer(server, pki.client("cipher-" + cipher.toLowerCase()))
                        .withDataCiphers(List.of(cipher)));
        assertFetches(0, "cipher-" + cipher);
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(cipher-" + cipher.toLowerCase()
                + "): connected, address " + client.address() + ", cipher " + cipher)), Duration.ofSeconds(5));
    }

    @Test
    void withoutControlChannelProtection() {
        VpnServerConfig server = start("plain", c -> c.withProtection(ControlChannelProtection.NONE, null));
        connect(0, "plain", OpenVpnClient.Profile.forServer(server, pki.client("plain"))
                .withProtection(ControlChannelProtection.NONE, null));
        assertFetches(0, "plain");
    }

    @Test
    void twentyClientsGetDistinctAddressesAndAllPassTraffic() {
        VpnServerConfig server = start("twenty", c -> c);
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(OpenVpnClient.start(net.processes(), net.clientNamespace(i), "c" + i,
                    OpenVpnClient.Profile.forServer(server, pki.client("many-" + i)), work.resolve("clients")));
        }
        Set<String> addresses = new HashSet<>();
        for (OpenVpnClient client : clients) {
            client.awaitConnected(Duration.ofSeconds(60));
            String address = client.address();
            assertTrue(Cidr.parse(server.clientCidrBlock()).contains(address), address);
            assertTrue(addresses.add(address), "address handed out twice: " + address);
        }
        for (int i = 0; i < CLIENTS; i++) {
            assertFetches(i, "many-" + i);
        }
    }

    @Test
    void aClientRevokedWhileConnectedIsDisconnected() {
        VpnServerConfig server = start("revoke", c -> c);
        TestPki.Credential credential = pki.client("live-revoke");
        connect(0, "revoke", OpenVpnClient.Profile.forServer(server, credential));
        assertFetches(0, "before-revocation");

        pki.revoke(credential);

        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(live-revoke): disconnecting: revoked")),
                Duration.ofSeconds(30));
        // The client tries again and is refused now.
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(live-revoke): refused: certificate revoked")),
                Duration.ofSeconds(30));
        HttpServer.Fetch after = HttpServer.fetch(net.processes(), net.clientNamespace(0), http.url("hello.txt"),
                work.resolve("after-revocation"), Duration.ofSeconds(3));
        assertFalse(after.ok(), "a revoked client still reaches the private network: " + after);
    }

    @Test
    void anOperatorSeesTheConnectionAtTheConsoleAndEndsIt() {
        VpnServerConfig server = start("console", c -> c);
        OpenVpnClient client = connect(0, "console", OpenVpnClient.Profile.forServer(server, pki.client("at-console")));
        assertFetches(0, "console");

        String endpoints = appliance.console(server.namespace(), "vpn:endpoints");
        assertTrue(endpoints.lines().anyMatch(l -> l.startsWith(server.name() + " ") && l.contains("running")
                && l.contains(server.listenAddress() + ":" + server.port())), endpoints);
        String connections = appliance.console(server.namespace(), "vpn:connections " + server.name());
        String row = connections.lines().filter(l -> l.contains("at-console")).findFirst().orElse(null);
        assertTrue(row != null && row.contains(client.address()) && row.contains("AES-256-GCM"), connections);

        String ended = appliance.console(server.namespace(), "vpn:disconnect --user at-console");
        assertTrue(ended.contains("Disconnected"), ended);
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(at-console): disconnecting: disconnected by an operator")),
                Duration.ofSeconds(5));
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(at-console): address " + client.address()
                + " returned to the pool")), Duration.ofSeconds(5));
    }

    @Test
    void anExportedProfileConnectsUnmodified() throws IOException {
        VpnServerConfig server = start("export", c -> c);
        TestPki.Credential credential = pki.client("exported");
        Path dir = Files.createDirectories(work.resolve("exported"));
        Path ovpn = dir.resolve("exported.ovpn");
        String out = appliance.console(server.namespace(), "vpn:export-profile " + server.name() + " --client-cert "
                + credential.cert() + " --client-key " + credential.key() + " --output " + ovpn);
        assertTrue(Files.isRegularFile(ovpn), "no profile written: " + out);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ovpn)));
        String profile = Files.readString(ovpn);
        for (String block : List.of("<ca>", "<tls-crypt>", "<cert>", "<key>")) {
            assertTrue(profile.contains(block), "no " + block + " in the exported profile");
        }
        assertFalse(profile.lines().anyMatch(l -> l.matches("(ca|cert|key|tls-crypt|tls-auth) .*")), "files referenced, not inline");
        String keyLine = Files.readAllLines(credential.key()).get(1);
        assertFalse(out.contains(keyLine) || Processes.read(appliance.log()).contains(keyLine),
                "the client key leaked into the console output or the log");

        OpenVpnClient client = OpenVpnClient.startWithConfigFile(net.processes(), net.clientNamespace(0), "exported",
                ovpn, work.resolve("clients"));
        clients.add(client);
        client.awaitConnected(CONNECT);
        assertFetches(0, "exported");
    }

    @Test
    void theConnectionLogRecordsAttemptsUpdatesAndEndsWithByteCountsAndTheSessionTimeoutEndsSessions()
            throws Exception {
        VpnServerConfig server = config("timeout", c -> c);
        appliance = new PortcullisAppliance(net.processes())
                .withEndpointSetting("sessionTimeoutSeconds", "12")
                .withEndpointSetting("connectionLogUpdateMinutes", "1");
        appliance.start(server, Duration.ofSeconds(60));
        // a refused attempt first: it must be logged with its reason
        OpenVpnClient refused = OpenVpnClient.start(net.processes(), net.clientNamespace(1), "log-refused",
                OpenVpnClient.Profile.forServer(server, pki.expiredClient("log-expired")), work.resolve("clients"));
        clients.add(refused);
        OpenVpnClient client = connect(0, "timeout", OpenVpnClient.Profile.forServer(server, pki.client("timed")));
        String address = client.address(); // the client reconnects after the timeout, with another address
        Path blob = http.root().resolve("log-blob.bin");
        java.nio.file.Files.write(blob, new byte[300_000]);
        HttpServer.Fetch fetch = HttpServer.fetch(net.processes(), net.clientNamespace(0), http.url("log-blob.bin"),
                work.resolve("log-blob"), Duration.ofSeconds(10));
        assertTrue(fetch.ok(), fetch.toString());

        // 12 s after it started, the session is ended and says why.
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(timed): disconnecting: session timeout (12 s)")),
                Duration.ofSeconds(25));
        Waits.forLog(appliance.connectionLog(server.name()),
                Pattern.compile("\"connection-log-type\":\"connection-reset\".*\"common-name\":\"timed\""),
                Duration.ofSeconds(10));

        List<String> lines = java.nio.file.Files.readAllLines(appliance.connectionLog(server.name()));
        String failed = lines.stream().filter(l -> l.contains("\"common-name\":\"log-expired\"")).findFirst().orElse("");
        assertTrue(failed.contains("\"connection-attempt-status\":\"failed\"")
                && failed.contains("certificate expired on"), "refused attempt: " + failed + "\n" + String.join("\n", lines));
        String success = lines.stream().filter(l -> l.contains("\"common-name\":\"timed\"")
                && l.contains("\"connection-attempt-status\":\"successful\"")).findFirst().orElse("");
        assertTrue(success.contains("\"client-ip\":\"" + address + "\""), success);
        String end = lines.stream().filter(l -> l.contains("\"common-name\":\"timed\"")
                && l.contains("\"connection-log-type\":\"connection-reset\"")).findFirst().orElse("");
        assertTrue(end.contains("session timeout"), end);
        long egress = Long.parseLong(field(end, "egress-bytes"));
        long ingress = Long.parseLong(field(end, "ingress-bytes"));
        assertTrue(egress >= 300_000 && egress < 600_000, "egress bytes for a 300 kB download: " + end);
        assertTrue(ingress > 1_000 && ingress < egress, "ingress bytes (requests and ACKs): " + end);
        assertFalse(String.join("\n", lines).contains("PRIVATE KEY"));

        // The operator sees the same lines at the console.
        String tail = appliance.console(server.namespace(), "vpn:log " + server.name() + " --tail 50");
        assertTrue(tail.contains("session timeout (12 s)") && tail.contains("certificate expired on"), tail);
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return m.group(1);
    }

    @Test
    void aClientKilledWithoutNoticeIsReapedAndItsAddressReturns() {
        VpnServerConfig server = start("reap", c -> c.withKeepalive(2, 8));
        OpenVpnClient client = connect(0, "reap", OpenVpnClient.Profile.forServer(server, pki.client("reap-me")));
        String address = client.address();
        client.kill();

        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(reap-me): address " + address
                + " returned to the pool")), Duration.ofSeconds(20));
        Matcher closed = Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(reap-me): closed: ") + "(.*)"),
                Duration.ofSeconds(1));
        assertTrue(closed.group(1).toLowerCase().contains("timeout"), "reaped for: " + closed.group(1));
    }

    @Test
    void aClientThatExitsCleanlyIsRemovedAtOnce() {
        VpnServerConfig server = start("exit", c -> c);
        OpenVpnClient client = connect(0, "exit", OpenVpnClient.Profile.forServer(server, pki.client("clean-exit"))
                .withExtraLines("explicit-exit-notify 1"));
        String address = client.address();
        client.stop();
        // The keepalive timeout is 60 s: seeing this within 5 s means the exit was heard, not timed out.
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(clean-exit): closed: by the client")),
                Duration.ofSeconds(5));
        Waits.forLog(appliance.log(), Pattern.compile(Pattern.quote("(clean-exit): address " + address
                + " returned to the pool")), Duration.ofSeconds(2));
    }

    @Test
    void renegotiationKeepsTrafficFlowing() throws InterruptedException {
        VpnServerConfig server = start("reneg", c -> c);
        OpenVpnClient client = connect(0, "reneg", OpenVpnClient.Profile.forServer(server, pki.client("reneg"))
                .withRenegSec(6));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int fetches = 0;
        while (System.nanoTime() < deadline) {
            assertFetches(0, "reneg-" + fetches++);
            Thread.sleep(1000);
        }
        long softResets = Pattern.compile("TLS: soft reset").matcher(client.logText()).results().count();
        assertTrue(softResets >= 2, "expected at least two renegotiations in 20 s with reneg-sec 6, saw "
                + softResets + "\n" + client.logText());
        assertTrue(client.isConnected());
    }

    private VpnServerConfig config(String tag, UnaryOperator<VpnServerConfig> adjust) {
        return adjust.apply(VpnServerConfig.defaults(net, pki, Transport.UDP, work.resolve("server-" + tag)));
    }

    /**
     * Issue 5's scale: 10,000 rules and 1,000 routes on one endpoint. The client signs in, receives
     * exactly the routes its (all-users) rules cover, and its traffic passes the full rule table.
     */
    @Test
    void tenThousandRulesAndAThousandRoutesStillSignInAndCarryTraffic() {
        VpnServerConfig config = config("scale", c -> c);
        appliance = new PortcullisAppliance(net.processes());
        // route.1 and authorizationRule.1 (the private network, all users) come from the config.
        int authorizedRoutes = 0;
        for (int i = 2; i <= 1000; i++) {
            String network = "100." + (64 + i / 256) + "." + (i % 256) + ".0/24";
            appliance.withEndpointSetting("route." + i, network + "|local|scale route " + i);
        }
        for (int i = 2; i <= 10_000; i++) {
            String network = "100." + (64 + i / 256) + "." + (i % 256) + ".0/24";
            boolean everyone = i <= 1000 && i % 4 == 0;
            authorizedRoutes += everyone ? 1 : 0;
            appliance.withEndpointSetting("authorizationRule." + i, network + "|" + (everyone ? "all-users" : "group=team-" + (i % 97)) + "|");
        }
        long started = System.nanoTime();
        appliance.start(config, Duration.ofSeconds(90));
        long booted = System.nanoTime();
        OpenVpnClient client = connect(0, "scale", OpenVpnClient.Profile.forServer(config, pki.client("scale-user")));
        long connected = System.nanoTime();
        List<String> routes = client.pushedOptions().stream().filter(o -> o.startsWith("route ")).toList();
        assertEquals(1 + authorizedRoutes, routes.size(), "the private network and the all-users routes: " + routes.size());
        assertTrue(routes.contains("route 10.0.0.0 255.255.255.0"), routes.toString());
        assertFalse(routes.contains("route 100.64.3.0 255.255.255.0"), "a route only team-3 may use");
        assertFetches(0, "scale");
        System.out.printf("scale: boot with 10,000 rules and 1,000 routes %d ms, client connected in %d ms, %d routes pushed%n",
                (booted - started) / 1_000_000, (connected - booted) / 1_000_000, routes.size());
    }

    @Test
    void theClientVersionHandlerDeniesAnOldClientWithItsMessageAndLogsPosture() throws IOException {
        VpnServerConfig config = config("handler", c -> c);
        appliance = new PortcullisAppliance(net.processes()).withEndpointSetting("connectionHandler", "client-version");
        appliance.start(config, Duration.ofSeconds(60));
        // The stock client is 2.6.x: a minimum of 9.0 refuses it, then 2.4 lets it in.
        Path handlerConfig = appliance.home().resolve("etc/io.portcullis.handler.clientversion.cfg");
        Files.writeString(handlerConfig, "minimumClientVersion = 9.0\nallowedPlatforms = linux\n");
        Waits.forLog(appliance.log(), Pattern.compile("client-version handler ready: minimum version 9\\.0"),
                Duration.ofSeconds(15));
        OpenVpnClient denied = OpenVpnClient.start(net.processes(), net.clientNamespace(0), "old-client",
                OpenVpnClient.Profile.forServer(config, pki.client("old-client")), work.resolve("clients"));
        clients.add(denied);
        denied.awaitLog("AUTH_FAILED.*older than the minimum 9\\.0", Duration.ofSeconds(20));
        Waits.forLog(appliance.connectionLog(config.name()), Pattern.compile(
                "\"connection-attempt-status\":\"failed\",\"connection-attempt-failure-reason\":\"denied by connection "
                        + "handler 'client-version': [^\"]*older than the minimum 9\\.0[^\"]*\".*\"common-name\":\"old-client\""
                        + ".*\"posture-compliance-statuses\":\"client-version:2\\.[0-9.]+:too-old,platform:linux:ok\""),
                Duration.ofSeconds(5));
        denied.close();

        Files.writeString(handlerConfig, "minimumClientVersion = 2.4\nallowedPlatforms = linux\n");
        Waits.forLog(appliance.log(), Pattern.compile("client-version handler ready: minimum version 2\\.4"),
                Duration.ofSeconds(15));
        connect(0, "new-enough", OpenVpnClient.Profile.forServer(config, pki.client("new-enough")));
        assertFetches(0, "handler-allowed");
        Waits.forLog(appliance.connectionLog(config.name()), Pattern.compile(
                "\"connection-attempt-status\":\"successful\".*\"common-name\":\"new-enough\""
                        + ".*\"posture-compliance-statuses\":\"client-version:2\\.[0-9.]+:ok,platform:linux:ok\""),
                Duration.ofSeconds(5));


        // A handler that is not there denies: a check that cannot run must not let anyone in.
        appliance.console(config.namespace(), "vpn:endpoint-modify " + config.name() + " --set connectionHandler=no-such-handler");
        OpenVpnClient refused = OpenVpnClient.start(net.processes(), net.clientNamespace(1), "no-handler",
                OpenVpnClient.Profile.forServer(config, pki.client("no-handler")), work.resolve("clients"));
        clients.add(refused);
        refused.awaitLog("AUTH_FAILED", Duration.ofSeconds(20));
        Waits.forLog(appliance.connectionLog(config.name()), Pattern.compile(
                "\"connection-attempt-status\":\"failed\",\"connection-attempt-failure-reason\":\"connection handler "
                        + "'no-such-handler' is not installed \\(see vpn:plugins\\)\""
                        + ".*\"common-name\":\"no-handler\""), Duration.ofSeconds(5));
    }

    private VpnServerConfig start(String tag, UnaryOperator<VpnServerConfig> adjust) {
        VpnServerConfig config = config(tag, adjust);
        appliance = new PortcullisAppliance(net.processes());
        appliance.start(config, Duration.ofSeconds(60));
        return config;
    }

    private OpenVpnClient connect(int namespace, String tag, OpenVpnClient.Profile profile) {
        OpenVpnClient client = OpenVpnClient.start(net.processes(), net.clientNamespace(namespace), tag, profile,
                work.resolve("clients"));
        clients.add(client);
        client.awaitConnected(CONNECT);
        return client;
    }

    private void assertFetches(int namespace, String tag) {
        HttpServer.Fetch fetch = HttpServer.fetch(net.processes(), net.clientNamespace(namespace), http.url("hello.txt"),
                work.resolve("fetch-" + tag), Duration.ofSeconds(10));
        assertTrue(fetch.ok(), "fetch through the tunnel (" + tag + "): " + fetch);
        assertEquals(HttpServer.sha256(http.root().resolve("hello.txt")), HttpServer.sha256(fetch.body()));
    }
}
