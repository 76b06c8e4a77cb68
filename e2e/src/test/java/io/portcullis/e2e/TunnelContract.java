package io.portcullis.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What any server under test must do for a stock client (issue 4): connect over UDP and TCP, get
 * an address in the client CIDR, reach the private network (HTTP), carry 100 MB intact.
 * A subclass names the server; {@link StockServerBaselineIT} runs it against stock OpenVPN, which
 * validates the harness. One network, PKI and HTTP server per class; one server per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
abstract class TunnelContract {

    static final Duration SERVER_START = Duration.ofSeconds(60);
    static final Duration CONNECT = Duration.ofSeconds(15);
    static final Duration REFUSAL_LOGGED = Duration.ofSeconds(15);
    static final long BLOB_BYTES = 100L * 1024 * 1024;

    protected TestNetwork net;
    protected TestPki pki;
    protected HttpServer http;
    protected String blobSha256;
    private Path work;
    private VpnServerUnderTest server;
    private OpenVpnClient client;

    /** A new, unstarted server that runs its process through {@code processes}. */
    protected abstract VpnServerUnderTest newServer(Processes processes);

    /** Client certificate problems (and a missing tls-crypt key) the server must refuse at the handshake. */
    enum Refusal { REVOKED, EXPIRED, OTHER_CA, NO_TLS_CRYPT_KEY, WRONG_TLS_CRYPT_KEY }

    /**
     * What the server writes to {@link VpnServerUnderTest#log()} when it refuses a client for
     * {@code reason}; {@code commonName} is the client's certificate CN.
     */
    protected abstract Pattern refusalLogged(Refusal reason, String commonName);

    @BeforeAll
    void createNetwork() {
        E2eSupport.assumeRoot();
        work = E2eSupport.workDir(getClass().getSimpleName());
        net = TestNetwork.create(work);
        pki = TestPki.create(work.resolve("pki"));
        http = HttpServer.start(net, work.resolve("www"));
        blobSha256 = http.writeRandomFile("blob.bin", BLOB_BYTES);
    }

    @AfterAll
    void removeNetwork() {
        if (net != null) {
            net.close();
        }
    }

    @AfterEach
    void stopServerAndClient() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Starts the server for {@code transport} and one client with a fresh certificate; waits until connected. */
    protected OpenVpnClient connect(Transport transport, TestInfo info) {
        String tag = tag(info, transport.option());
        VpnServerConfig config = startServer(transport, tag);
        TestPki.Credential cred = pki.client("user-" + tag);
        client = OpenVpnClient.start(net.processes(), net.clientNamespace(), tag,
                OpenVpnClient.Profile.forServer(config, cred), work.resolve("clients"));
        client.awaitConnected(CONNECT);
        return client;
    }

    protected VpnServerConfig startServer(Transport transport, String tag) {
        VpnServerConfig config = VpnServerConfig.defaults(net, pki, transport, work.resolve("server-" + tag));
        server = newServer(net.processes());
        server.start(config, SERVER_START);
        return config;
    }

    private static String tag(TestInfo info, String variant) {
        return info.getTestMethod().orElseThrow().getName() + "-" + variant.toLowerCase(java.util.Locale.ROOT);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void connectsGetsPoolAddressAndReachesPrivateNetwork(Transport transport, TestInfo info) {
        HttpServer.Fetch before = HttpServer.fetch(net.processes(), net.clientNamespace(), http.url("hello.txt"),
                work.resolve("hello-before-" + transport.option()), Duration.ofSeconds(3));
        assertFalse(before.ok(), "no tunnel yet: the private network must be unreachable, got " + before);

        OpenVpnClient c = connect(transport, info);

        String address = c.address();
        assertTrue(Cidr.parse(VpnServerConfig.DEFAULT_CLIENT_CIDR).contains(address),
                address + " is not in the client CIDR " + VpnServerConfig.DEFAULT_CLIENT_CIDR);
        HttpServer.Fetch hello = HttpServer.fetch(net.processes(), net.clientNamespace(), http.url("hello.txt"),
                work.resolve("hello-" + transport.option()), Duration.ofSeconds(10));
        assertTrue(hello.ok(), "fetch through the tunnel: " + hello + "\n" + c.process().describe());
        assertEquals(HttpServer.sha256(http.root().resolve("hello.txt")), HttpServer.sha256(hello.body()));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void transfers100MegabytesIntact(Transport transport, TestInfo info) throws Exception {
        connect(transport, info);
        Path dest = work.resolve("blob-" + transport.option() + ".bin");
        HttpServer.Fetch blob = HttpServer.fetch(net.processes(), net.clientNamespace(), http.url("blob.bin"), dest,
                Duration.ofSeconds(60));
        assertTrue(blob.ok(), "100 MB fetch through the tunnel: " + blob);
        assertEquals(BLOB_BYTES, blob.bytes());
        assertEquals(blobSha256, HttpServer.sha256(dest), "SHA-256 of the 100 MB received");
        java.nio.file.Files.delete(dest);
    }

    @ParameterizedTest
    @EnumSource(Refusal.class)
    void refusesAtTheHandshakeWithALoggedReason(Refusal reason, TestInfo info) {
        String tag = tag(info, reason.name());
        VpnServerConfig config = startServer(Transport.UDP, tag);
        String cn = "refused-" + reason.name().toLowerCase(java.util.Locale.ROOT);
        OpenVpnClient.Profile profile = switch (reason) {
            case REVOKED -> OpenVpnClient.Profile.forServer(config, pki.revokedClient(cn));
            case EXPIRED -> OpenVpnClient.Profile.forServer(config, pki.expiredClient(cn));
            case OTHER_CA -> OpenVpnClient.Profile.forServer(config, pki.foreignClient(cn));
            case NO_TLS_CRYPT_KEY -> OpenVpnClient.Profile.forServer(config, pki.client(cn))
                    .withProtection(ControlChannelProtection.NONE, null);
            case WRONG_TLS_CRYPT_KEY -> OpenVpnClient.Profile.forServer(config, pki.client(cn))
                    .withProtection(ControlChannelProtection.TLS_CRYPT, pki.newTlsCryptKey("wrong-" + tag));
        };
        client = OpenVpnClient.start(net.processes(), net.clientNamespace(), tag, profile, work.resolve("clients"));

        Waits.forLog(server.log(), refusalLogged(reason, cn), REFUSAL_LOGGED);
        assertFalse(client.isConnected(), "refused client must not connect:\n" + client.process().describe());
        HttpServer.Fetch fetch = HttpServer.fetch(net.processes(), net.clientNamespace(), http.url("hello.txt"),
                work.resolve("hello-" + tag), Duration.ofSeconds(2));
        assertFalse(fetch.ok(), "refused client reached the private network: " + fetch);
    }
}
