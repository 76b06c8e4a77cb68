package io.portcullis.protocol.session;

import static io.portcullis.protocol.session.SimulatedLink.MS;
import static io.portcullis.protocol.session.SimulatedLink.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.keymethod.PeerInfo;
import io.portcullis.protocol.keymethod.SecretBytes;
import io.portcullis.protocol.tls.TestPki;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import io.portcullis.protocol.wrap.NoProtection;
import io.portcullis.protocol.wrap.StaticKey;
import io.portcullis.protocol.wrap.TlsCrypt;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ServerSessionTest {

    private static final TestPki PKI = new TestPki();
    private static final StaticKey KEY = StaticKey.generate(new Random(42));
    private static final List<AeadAlgorithm> CIPHERS = List.of(AeadAlgorithm.AES_256_GCM, AeadAlgorithm.AES_128_GCM,
            AeadAlgorithm.CHACHA20_POLY1305);

    static ServerSessionConfig serverConfig(ControlChannelProtection protection, Duration renegotiateAfter) {
        return new ServerSessionConfig(protection, PKI.server, CIPHERS, Duration.ofSeconds(60), renegotiateAfter,
                Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    static ClientSessionConfig clientConfig(ControlChannelProtection protection) {
        return ClientSessionConfig.stock(protection, PKI.client, "alice", SecretBytes.ofUtf8("pw"));
    }

    private static SimulatedLink lossy(ServerSessionConfig s, ClientSessionConfig c, long seed) {
        return new SimulatedLink(s, c, seed, 0.15, 0.05, 40 * MS);
    }

    private static SimulatedLink establish(SimulatedLink link) {
        assertTrue(link.runUntil(link::established, 120 * S), "handshake completes; server closed: "
                + link.serverClosed + ", client closed: " + link.clientClosed);
        return link;
    }

    @Test
    void fullHandshakeWithTlsCryptOverLossyLink() {
        SimulatedLink link = establish(lossy(serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                clientConfig(TlsCrypt.forClient(KEY)), 1));
        SessionOutput.Authenticate auth = link.serverEvents.stream()
                .filter(SessionOutput.Authenticate.class::isInstance).map(SessionOutput.Authenticate.class::cast)
                .findFirst().orElseThrow();
        assertEquals("CN=alice", auth.clientChain().get(0).getSubjectX500Principal().getName());
        assertEquals("alice", auth.username().orElseThrow());
        assertEquals("pw", auth.password().orElseThrow().revealUtf8());
        assertEquals(String.valueOf(ClientSessionConfig.IV_PROTO), auth.peerInfo().get("IV_PROTO").orElseThrow());
        assertEquals(1, link.serverEvents.stream().filter(SessionOutput.Authenticate.class::isInstance).count());

        List<String> pushed = link.client.pushedOptions().orElseThrow();
        assertTrue(pushed.containsAll(List.of("topology subnet", "ifconfig 10.8.0.2 255.255.252.0",
                "route-gateway 10.8.0.1", "route 10.0.0.0 255.255.255.0", "ping 10", "ping-restart 60",
                "peer-id 7", "cipher AES-256-GCM", "protocol-flags cc-exit tls-ekm")), pushed.toString());
        assertFalse(pushed.contains("key-derivation tls-ekm"));

        SessionOutput.Established est = link.serverEvents.stream().filter(SessionOutput.Established.class::isInstance)
                .map(SessionOutput.Established.class::cast).findFirst().orElseThrow();
        assertEquals(AeadAlgorithm.AES_256_GCM, est.cipher());
        assertTrue(est.keyExport());
        assertEquals(List.of(0), link.serverInstalled);
        SimulatedLink.assertDataFlows(link.clientKeys.get(0), link.serverKeys.get(0), link.now);
        SimulatedLink.assertDataFlows(link.serverKeys.get(0), link.clientKeys.get(0), link.now);
        assertEquals(1, link.sessionsAccepted);
    }

    @Test
    void fullHandshakeWithoutWrappingAndPrfKeysFor25Client() {
        PeerInfo v25 = PeerInfo.parse("IV_VER=2.5.9\nIV_NCP=2\nIV_CIPHERS=AES-128-GCM:AES-256-GCM\nIV_PROTO=6\n");
        SimulatedLink link = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE).withPeerInfo(v25), 2));
        List<String> pushed = link.client.pushedOptions().orElseThrow();
        assertTrue(pushed.contains("cipher AES-256-GCM"), pushed.toString()); // server preference wins
        assertTrue(pushed.contains("peer-id 7"));
        assertTrue(pushed.stream().noneMatch(o -> o.contains("tls-ekm")), pushed.toString());
        SimulatedLink.assertDataFlows(link.clientKeys.get(0), link.serverKeys.get(0), link.now);
        SimulatedLink.assertDataFlows(link.serverKeys.get(0), link.clientKeys.get(0), link.now);
    }

    @Test
    void clientWithoutDataV2GetsNoPeerIdAndUsesDataV1() {
        PeerInfo v24 = PeerInfo.parse("IV_VER=2.4.12\nIV_NCP=2\nIV_PROTO=2\n");
        PeerInfo old = PeerInfo.parse("IV_VER=2.4.0\nIV_NCP=2\n");
        SimulatedLink link = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE).withPeerInfo(old), 3));
        assertTrue(link.client.pushedOptions().orElseThrow().stream().noneMatch(o -> o.startsWith("peer-id")));
        SimulatedLink.assertDataFlows(link.serverKeys.get(0), link.clientKeys.get(0), link.now);
        SimulatedLink.assertDataFlows(link.clientKeys.get(0), link.serverKeys.get(0), link.now);
        assertNotNull(v24);
    }

    @Test
    void clientInitiatedRenegotiationInstallsKeyOneAndRetiresKeyZero() {
        ServerSessionConfig sc = serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO)
                .withTransitionWindow(Duration.ofSeconds(20));
        SimulatedLink link = establish(lossy(sc, clientConfig(TlsCrypt.forClient(KEY))
                .withRenegotiateAfter(Duration.ofSeconds(5)), 4));
        assertTrue(link.runUntil(() -> link.serverKeys.containsKey(1) && link.clientKeys.containsKey(1), 60 * S),
                "key id 1 installed on both sides");
        SimulatedLink.assertDataFlows(link.clientKeys.get(1), link.serverKeys.get(1), link.now);
        SimulatedLink.assertDataFlows(link.serverKeys.get(1), link.clientKeys.get(1), link.now);
        // The lame duck still opens old-key traffic.
        SimulatedLink.assertDataFlows(link.clientKeys.get(0), link.serverKeys.get(0), link.now);
        assertEquals(1, link.serverEvents.stream().filter(SessionOutput.Authenticate.class::isInstance).count());
        assertTrue(link.runUntil(() -> link.serverRetired.contains(0), 60 * S), "key 0 retired");
        assertTrue(link.server.isEstablished());
    }

    @Test
    void keyIdsWrapFromSevenToOne() {
        ServerSessionConfig sc = serverConfig(NoProtection.INSTANCE, Duration.ZERO);
        SimulatedLink link = establish(new SimulatedLink(sc, clientConfig(NoProtection.INSTANCE)
                .withRenegotiateAfter(Duration.ofSeconds(2)), 5, 0.05, 0.02, 20 * MS));
        assertTrue(link.runUntil(() -> link.serverInstalled.size() >= 10, 120 * S), link.serverInstalled.toString());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 1, 2), link.serverInstalled.subList(0, 10));
        int last = link.serverInstalled.get(link.serverInstalled.size() - 1);
        assertTrue(link.runUntil(() -> link.clientKeys.containsKey(last), 20 * S));
        SimulatedLink.assertDataFlows(link.clientKeys.get(last), link.serverKeys.get(last), link.now);
        assertEquals(null, link.serverClosed);
    }

    @Test
    void serverInitiatedRenegotiation() {
        SimulatedLink link = establish(lossy(serverConfig(TlsCrypt.forServer(KEY), Duration.ofSeconds(5)),
                clientConfig(TlsCrypt.forClient(KEY)), 6));
        assertTrue(link.runUntil(() -> link.serverKeys.containsKey(1) && link.clientKeys.containsKey(1), 60 * S));
        SimulatedLink.assertDataFlows(link.clientKeys.get(1), link.serverKeys.get(1), link.now);
        SimulatedLink.assertDataFlows(link.serverKeys.get(1), link.clientKeys.get(1), link.now);
        // On demand, e.g. when the data packet id nears wrap.
        link.fromServer(link.server.renegotiate(link.now));
        assertEquals(2, link.server.currentKeyId());
        assertTrue(link.runUntil(() -> link.serverKeys.containsKey(2) && link.clientKeys.containsKey(2), 60 * S));
        SimulatedLink.assertDataFlows(link.clientKeys.get(2), link.serverKeys.get(2), link.now);
    }

    @Test
    void keepaliveTimeoutClosesAndPingsAreRequested() {
        SimulatedLink link = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE), 7));
        link.clientPings = false;
        assertTrue(link.runUntil(() -> link.serverClosed != null, 120 * S));
        assertEquals("ping timeout", link.serverClosed.reason());
        assertFalse(link.serverClosed.byClient());
        assertTrue(link.serverPingsRequested >= 4, "pings: " + link.serverPingsRequested);
        assertEquals(Long.MAX_VALUE, link.server.nextWakeupNanos());
        assertEquals(List.of(), link.server.onTick(link.now + 1000 * S));
    }

    @Test
    void idlePingsFallOnTheOneSecondGridAtTheInterval() {
        SimulatedLink link = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE), 9));
        link.now += 337 * MS; // off the grid, whatever the handshake took
        assertTrue(link.runUntil(() -> link.serverPingsRequested >= 5, 120 * S));
        List<Long> times = link.serverPingTimes;
        // The first ping comes up to 1 s early; from then on every ping is 10 s after the one before,
        // within the simulation's 10 ms step, and due on a whole second.
        for (int i = 0; i < times.size(); i++) {
            assertTrue(Math.floorMod(times.get(i), S) < 10 * MS, "ping " + i + " at " + times.get(i));
            if (i > 0) {
                long gap = times.get(i) - times.get(i - 1);
                assertTrue(Math.abs(gap - 10 * S) <= 10 * MS, "gap " + gap);
            }
        }
        assertTrue(link.server.isEstablished(), "the client's pings keep the session up");
    }

    @Test
    void rejectedAuthenticationSendsAuthFailedAndCloses() {
        SimulatedLink link = lossy(serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                clientConfig(TlsCrypt.forClient(KEY)), 8);
        link.authenticator = (a, s) -> {
            link.loss = 0; // the handshake under loss; AUTH_FAILED, sent only twice before the server closes, not
            return null;
        };
        assertTrue(link.runUntil(() -> link.clientClosed != null && link.serverClosed != null, 60 * S));
        assertEquals("AUTH_FAILED,bad password", link.clientClosed.reason());
        assertTrue(link.serverClosed.reason().startsWith("authentication failed"), link.serverClosed.reason());
        assertTrue(link.serverKeys.isEmpty());
        assertFalse(link.serverEvents.stream().anyMatch(SessionOutput.Established.class::isInstance));
    }

    @Test
    void noCommonCipherIsRefused() {
        ServerSessionConfig sc = new ServerSessionConfig(NoProtection.INSTANCE, PKI.server,
                List.of(AeadAlgorithm.CHACHA20_POLY1305), Duration.ofSeconds(60), Duration.ZERO,
                Duration.ofSeconds(10), Duration.ofSeconds(60));
        PeerInfo aesOnly = PeerInfo.parse("IV_VER=2.6.14\nIV_NCP=2\nIV_CIPHERS=AES-256-GCM\nIV_PROTO=990\n");
        SimulatedLink link = lossy(sc, clientConfig(NoProtection.INSTANCE).withPeerInfo(aesOnly), 9);
        assertTrue(link.runUntil(() -> link.clientClosed != null && link.serverClosed != null, 60 * S));
        assertTrue(link.clientClosed.reason().startsWith("AUTH_FAILED"), link.clientClosed.reason());
        assertFalse(link.serverEvents.stream().anyMatch(SessionOutput.Authenticate.class::isInstance));
    }

    @Test
    void garbageDoesNotBreakAnEstablishedSession() {
        for (ControlChannelProtection[] p : new ControlChannelProtection[][] {
            {NoProtection.INSTANCE, NoProtection.INSTANCE}, {TlsCrypt.forServer(KEY), TlsCrypt.forClient(KEY)}}) {
            SimulatedLink link = establish(lossy(serverConfig(p[0], Duration.ZERO)
                    .withTransitionWindow(Duration.ofSeconds(30)), clientConfig(p[1])
                    .withRenegotiateAfter(Duration.ofSeconds(20)), 10));
            Random r = new Random(5);
            long before = link.server.droppedPackets();
            long sid = link.client.localSessionId().value();
            int n = 0;
            for (int i = 0; i < 3000; i++) {
                byte[] junk = new byte[r.nextInt(120)];
                r.nextBytes(junk);
                if (junk.length > 9 && r.nextBoolean()) {
                    junk[0] = (byte) ((r.nextInt(12) << 3) | r.nextInt(8)); // plausible opcodes
                    ByteBuffer.wrap(junk).putLong(1, sid); // the right session id
                }
                List<SessionOutput> out = link.server.onControlPacket(ByteBuffer.wrap(junk), link.now);
                assertTrue(out.stream().noneMatch(SessionOutput.Closed.class::isInstance), "closed by junk " + i);
                n++;
            }
            assertTrue(link.server.droppedPackets() - before > n / 2, "drops counted");
            assertTrue(link.server.isEstablished());
            // The session still renegotiates and carries data afterwards.
            assertTrue(link.runUntil(() -> link.serverKeys.containsKey(1) && link.clientKeys.containsKey(1), 60 * S),
                    "renegotiated after junk");
            SimulatedLink.assertDataFlows(link.clientKeys.get(1), link.serverKeys.get(1), link.now);
            assertEquals(null, link.serverClosed);
        }
    }

    @Test
    void controlMessagesStillFlowOnceTheRecordCiphersAreReleased() {
        // Past RECORD_CIPHERS_KEPT_NANOS both sides build a TLS record cipher per message.
        SimulatedLink link = establish(lossy(serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                clientConfig(TlsCrypt.forClient(KEY)), 14));
        assertFalse(link.runUntil(() -> link.serverClosed != null, 30 * S));
        link.fromClient(link.client.sendExit(link.now));
        assertTrue(link.runUntil(() -> link.serverClosed != null, 30 * S));
        assertEquals("client sent EXIT", link.serverClosed.reason());

        SimulatedLink link2 = establish(lossy(serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                clientConfig(TlsCrypt.forClient(KEY)), 15));
        assertFalse(link2.runUntil(() -> link2.serverClosed != null, 30 * S));
        link2.loss = 0; // RESTART goes out twice within the server's linger, as in clientExitAndServerDisconnect
        link2.fromServer(link2.server.disconnect("revoked", link2.now));
        assertTrue(link2.runUntil(() -> link2.clientClosed != null, 30 * S));
        assertEquals("RESTART", link2.clientClosed.reason());
    }

    @Test
    void clientExitAndServerDisconnect() {
        SimulatedLink link = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE), 11));
        link.fromClient(link.client.sendExit(link.now));
        assertTrue(link.runUntil(() -> link.serverClosed != null, 30 * S));
        assertTrue(link.serverClosed.byClient());

        SimulatedLink link2 = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE), 12));
        link2.loss = 0; // RESTART goes out twice within the server's linger: both lost would be a flaky test
        link2.fromServer(link2.server.disconnect("revoked", link2.now));
        assertTrue(link2.runUntil(() -> link2.serverClosed != null && link2.clientClosed != null, 30 * S));
        assertEquals("RESTART", link2.clientClosed.reason());
        assertEquals("revoked", link2.serverClosed.reason());

        SimulatedLink link3 = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE), 13));
        List<SessionOutput> out = link3.server.onClientExit(link3.now);
        assertInstanceOf(SessionOutput.Closed.class, out.get(out.size() - 1));
    }

    @Test
    void handshakeWindowExpires() {
        ServerSessionConfig sc = new ServerSessionConfig(NoProtection.INSTANCE, PKI.server, CIPHERS,
                Duration.ofSeconds(20), Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(60));
        SimulatedLink link = new SimulatedLink(sc, clientConfig(NoProtection.INSTANCE), 14, 0, 0, 0);
        link.authenticator = (a, s) -> {
            throw new AssertionError("not expected");
        };
        // Deliver only the client's reset, then cut the link.
        assertTrue(link.runUntil(() -> link.server != null, 1 * S));
        ServerSession server = link.server;
        List<SessionOutput> out = server.onTick(link.now + 19 * S);
        assertTrue(out.stream().noneMatch(SessionOutput.Closed.class::isInstance));
        out = server.onTick(link.now + 21 * S);
        SessionOutput.Closed closed = assertInstanceOf(SessionOutput.Closed.class, out.get(out.size() - 1));
        assertTrue(closed.reason().contains("hand-window"), closed.reason());
    }

    @Test
    void certificateChangeOnRenegotiationCloses() {
        TestPki other = new TestPki();
        SimulatedLink link = establish(lossy(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE).withRenegotiateAfter(Duration.ofSeconds(3)), 15));
        link.client.useCredentialsForNextKeys(other.client);
        assertTrue(link.runUntil(() -> link.serverClosed != null, 60 * S));
        assertEquals("client certificate changed on renegotiation", link.serverClosed.reason());
        assertFalse(link.serverKeys.containsKey(1));
    }

    @Test
    void installedCipherSealsAndOpensConcurrently() throws Exception {
        SimulatedLink link = establish(new SimulatedLink(serverConfig(NoProtection.INSTANCE, Duration.ZERO),
                clientConfig(NoProtection.INSTANCE), 16, 0, 0, 0));
        var server = link.serverKeys.get(0);
        var client = link.clientKeys.get(0);
        int n = 20_000;
        List<byte[]> fromClient = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteBuffer w = ByteBuffer.allocate(100);
            client.seal(ByteBuffer.wrap(("packet " + i).getBytes()), w);
            fromClient.add(java.util.Arrays.copyOf(w.array(), w.position()));
        }
        List<byte[]> fromServer = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread sealer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                ByteBuffer w = ByteBuffer.allocate(100);
                server.seal(ByteBuffer.wrap(("reply " + i).getBytes()), w);
                fromServer.add(java.util.Arrays.copyOf(w.array(), w.position()));
            }
        });
        sealer.start();
        int opened = 0;
        ByteBuffer plain = ByteBuffer.allocate(100);
        for (byte[] p : fromClient) {
            plain.clear();
            if (server.open(ByteBuffer.wrap(p), plain, link.now) == io.portcullis.protocol.data.OpenStatus.OK) {
                opened++;
            }
        }
        sealer.join();
        assertEquals(n, opened);
        int back = 0;
        for (byte[] p : fromServer) {
            plain.clear();
            if (client.open(ByteBuffer.wrap(p), plain, link.now) == io.portcullis.protocol.data.OpenStatus.OK) {
                back++;
            }
        }
        assertEquals(n, back);
    }

    @Test
    void acceptNeverThrowsOnJunk() {
        Random r = new Random(17);
        for (ControlChannelProtection p : new ControlChannelProtection[] {NoProtection.INSTANCE, TlsCrypt.forServer(KEY)}) {
            ServerSessionConfig sc = serverConfig(p, Duration.ZERO);
            int accepted = 0;
            for (int i = 0; i < 5000; i++) {
                byte[] junk = new byte[r.nextInt(80)];
                r.nextBytes(junk);
                if (junk.length > 0 && r.nextBoolean()) {
                    junk[0] = 0x38;
                }
                var result = ServerSession.accept(sc, 1, ByteBuffer.wrap(junk), 0, 0, new java.security.SecureRandom());
                if (result instanceof ServerSession.Accepted.Ok) {
                    accepted++;
                }
            }
            if (p instanceof TlsCrypt) {
                assertEquals(0, accepted);
            }
        }
    }
}
