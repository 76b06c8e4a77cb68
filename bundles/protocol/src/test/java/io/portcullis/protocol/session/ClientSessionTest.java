package io.portcullis.protocol.session;

import static io.portcullis.protocol.session.SimulatedLink.MS;
import static io.portcullis.protocol.session.SimulatedLink.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.wrap.StaticKey;
import io.portcullis.protocol.wrap.TlsCrypt;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The client engine's on-demand renegotiation, against a {@link ServerSession} over a lossy simulated link. */
class ClientSessionTest {

    private static final StaticKey KEY = StaticKey.generate(new Random(43));

    private static SimulatedLink establishedLink(long seed) {
        SimulatedLink link = new SimulatedLink(ServerSessionTest.serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                ServerSessionTest.clientConfig(TlsCrypt.forClient(KEY)), seed, 0.15, 0.05, 40 * MS);
        assertTrue(link.runUntil(link::established, 120 * S), "handshake completes; server closed: "
                + link.serverClosed + ", client closed: " + link.clientClosed);
        return link;
    }

    private static boolean clientInstalled(SimulatedLink link, int keyId) {
        return link.clientEvents.stream().anyMatch(o -> o instanceof SessionOutput.InstallKeys k && k.keyId() == keyId);
    }

    @Test
    void renegotiateOnDemandInstallsTheNextKeyWhileTheOldOneCarriesData() {
        SimulatedLink link = establishedLink(11);
        List<SessionOutput> out = link.client.renegotiate(link.now);
        assertTrue(out.stream().anyMatch(SessionOutput.Send.class::isInstance), out.toString()); // the soft reset
        assertEquals(1, link.client.currentKeyId());
        link.fromClient(out);
        assertFalse(clientInstalled(link, 1));
        // Until the new key is installed, data flows on key 0.
        SimulatedLink.assertDataFlows(link.clientKeys.get(0), link.serverKeys.get(0), link.now);
        SimulatedLink.assertDataFlows(link.serverKeys.get(0), link.clientKeys.get(0), link.now);

        assertTrue(link.runUntil(() -> clientInstalled(link, 1) && link.serverKeys.containsKey(1), 60 * S),
                "key id 1 installed on both sides; server closed: " + link.serverClosed);
        SimulatedLink.assertDataFlows(link.clientKeys.get(1), link.serverKeys.get(1), link.now);
        SimulatedLink.assertDataFlows(link.serverKeys.get(1), link.clientKeys.get(1), link.now);
        assertEquals(1, link.serverEvents.stream().filter(SessionOutput.Authenticate.class::isInstance).count());

        // And again, on demand, with key 1 now the lame duck.
        link.fromClient(link.client.renegotiate(link.now));
        assertEquals(2, link.client.currentKeyId());
        assertTrue(link.runUntil(() -> clientInstalled(link, 2) && link.serverKeys.containsKey(2), 60 * S));
        SimulatedLink.assertDataFlows(link.clientKeys.get(2), link.serverKeys.get(2), link.now);
        assertTrue(link.client.isEstablished() && link.server.isEstablished());
    }

    @Test
    void renegotiateIsIgnoredBeforeEstablishmentWhileUnderWayAndAfterClose() {
        SimulatedLink fresh = new SimulatedLink(ServerSessionTest.serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                ServerSessionTest.clientConfig(TlsCrypt.forClient(KEY)), 12, 0, 0, 0);
        assertEquals(List.of(), fresh.client.renegotiate(fresh.now));
        assertEquals(0, fresh.client.currentKeyId());

        SimulatedLink link = establishedLink(13);
        link.fromClient(link.client.renegotiate(link.now));
        assertEquals(1, link.client.currentKeyId());
        assertEquals(List.of(), link.client.renegotiate(link.now)); // key 1 is still being negotiated
        assertEquals(1, link.client.currentKeyId());

        assertTrue(link.runUntil(() -> clientInstalled(link, 1), 60 * S));

        // The server sends its HALT twice within its 3 s linger; under 15 % loss both copies are lost
        // about one run in fifty, and this simulated client has no ping timeout to end it otherwise.
        link.loss = 0;
        link.fromServer(link.server.disconnect("revoked", link.now));
        assertTrue(link.runUntil(() -> link.clientClosed != null, 30 * S));
        assertEquals(List.of(), link.client.renegotiate(link.now));
    }

    @Test
    void aPushOfDynamicTlsCryptClosesWithTheReasonSinceThisClientDoesNotDoIt() {
        assertFalse(ClientSessionConfig.STOCK_2_6_PEER_INFO.toText().contains("IV_PROTO=990"),
                "bit 9 (dyn-tls-crypt) is not offered");
        SimulatedLink link = new SimulatedLink(ServerSessionTest.serverConfig(TlsCrypt.forServer(KEY), Duration.ZERO),
                ServerSessionTest.clientConfig(TlsCrypt.forClient(KEY)), 14, 0, 0, 0);
        // A stock 2.6 server pushes this to a client offering IV_PROTO bit 9.
        link.authenticator = (a, server) -> List.of("ifconfig 10.8.0.2 255.255.252.0",
                "protocol-flags cc-exit tls-ekm dyn-tls-crypt");
        assertTrue(link.runUntil(() -> link.clientClosed != null, 60 * S), "the client gives up");
        assertTrue(link.clientClosed.reason().contains("dyn-tls-crypt"), link.clientClosed.reason());
        assertFalse(link.client.isEstablished());
    }
}
