package io.portcullis.protocol.wrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.packet.AckBlock;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.packet.SessionId;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Unwraps and re-wraps every datagram of stock OpenVPN 2.6.14 handshakes bit-exactly. */
class ControlChannelProtectionTest {

    private static final StaticKey TC = Capture.key("tc.key");
    private static final StaticKey TA = Capture.key("ta.key");

    @Test
    void tlsCryptMatchesStockOpenVpnBothDirections() {
        verifyCapture("tlscrypt.cap", TlsCrypt.forServer(TC), TlsCrypt.forClient(TC));
    }

    @Test
    void tlsAuthSha1MatchesStockOpenVpn() {
        verifyCapture("tlsauth1.cap", new TlsAuth(TA, KeyDirection.NORMAL, HmacAlgorithm.SHA1),
                new TlsAuth(TA, KeyDirection.INVERSE, HmacAlgorithm.SHA1));
    }

    @Test
    void tlsAuthSha256MatchesStockOpenVpn() {
        verifyCapture("tlsauth256.cap", new TlsAuth(TA, KeyDirection.NORMAL, HmacAlgorithm.SHA256),
                new TlsAuth(TA, KeyDirection.INVERSE, HmacAlgorithm.SHA256));
    }

    @Test
    void noProtectionMatchesStockOpenVpn() {
        verifyCapture("plain.cap", NoProtection.INSTANCE, NoProtection.INSTANCE);
    }

    private static void verifyCapture(String name, ControlChannelProtection server, ControlChannelProtection client) {
        List<Capture> caps = Capture.load(name);
        assertTrue(caps.size() >= 6);
        for (Capture c : caps) {
            ControlChannelProtection receiver = c.clientToServer() ? server : client;
            ParseResult<Unwrapped> r = receiver.unwrap(ByteBuffer.wrap(c.bytes()));
            Unwrapped u = assertInstanceOf(ParseResult.Ok.class, r, () -> r.toString()).value() instanceof Unwrapped x
                    ? x : null;
            // Wrapping is deterministic given the replay id, so re-wrapping must reproduce the wire bytes.
            ControlChannelProtection sender = c.clientToServer() ? client : server;
            assertArrayEquals(c.bytes(), sender.wrap(u.packet(), u.replayId()), name + " " + u.packet());
        }
        var first = (ControlPacket.Reliable) server.unwrap(ByteBuffer.wrap(caps.get(0).bytes())).valueOrNull().packet();
        assertEquals(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, first.opcode());
        assertEquals(0, first.messagePacketId());
        var reply = (ControlPacket.Reliable) client.unwrap(ByteBuffer.wrap(caps.get(1).bytes())).valueOrNull().packet();
        assertEquals(Opcode.P_CONTROL_HARD_RESET_SERVER_V2, reply.opcode());
        assertEquals(AckBlock.of(first.sessionId(), 0), reply.acks());
    }

    @Test
    void tlsCryptReplayIdsFromStockClientAreLongForm() {
        List<Capture> caps = Capture.load("tlscrypt.cap");
        TlsCrypt server = TlsCrypt.forServer(TC);
        ReplayId first = server.unwrap(ByteBuffer.wrap(caps.get(0).bytes())).valueOrNull().replayId();
        ReplayId second = server.unwrap(ByteBuffer.wrap(caps.get(2).bytes())).valueOrNull().replayId();
        assertEquals(1, first.packetId());
        assertEquals(2, second.packetId());
        assertEquals(first.time(), second.time());
    }

    @Test
    void wrongDirectionOrKeyFailsAuthentication() {
        byte[] clientReset = Capture.load("tlscrypt.cap").get(0).bytes();
        assertDrop(DropReason.AUTHENTICATION_FAILED, TlsCrypt.forClient(TC).unwrap(ByteBuffer.wrap(clientReset)));
        byte[] taReset = Capture.load("tlsauth1.cap").get(0).bytes();
        assertDrop(DropReason.AUTHENTICATION_FAILED,
                new TlsAuth(TA, KeyDirection.INVERSE, HmacAlgorithm.SHA1).unwrap(ByteBuffer.wrap(taReset)));
        assertDrop(DropReason.AUTHENTICATION_FAILED,
                new TlsAuth(TA, KeyDirection.BIDIRECTIONAL, HmacAlgorithm.SHA1).unwrap(ByteBuffer.wrap(taReset)));
    }

    @Test
    void anySingleBitFlipIsDropped() {
        check(() -> TlsCrypt.forServer(TC), "tlscrypt.cap");
        check(() -> new TlsAuth(TA, KeyDirection.NORMAL, HmacAlgorithm.SHA256), "tlsauth256.cap");
    }

    private static void check(Supplier<ControlChannelProtection> p, String cap) {
        ControlChannelProtection server = p.get();
        byte[] wire = Capture.load(cap).get(2).bytes();
        for (int i = 0; i < wire.length; i++) {
            byte[] bad = wire.clone();
            bad[i] ^= (byte) (1 << (i % 8));
            assertInstanceOf(ParseResult.Dropped.class, server.unwrap(ByteBuffer.wrap(bad)), "byte " + i);
        }
        for (int len = 0; len < wire.length; len++) {
            assertInstanceOf(ParseResult.Dropped.class, server.unwrap(ByteBuffer.wrap(wire, 0, len)), "len " + len);
        }
    }

    @Test
    void oneInstanceServesManyThreadsAtOnce() throws Exception {
        StaticKey key = StaticKey.generate(new Random(5));
        roundTripsFromThreads(TlsCrypt.forServer(key), TlsCrypt.forClient(key));
        roundTripsFromThreads(new TlsAuth(key, KeyDirection.NORMAL, HmacAlgorithm.SHA256),
                new TlsAuth(key, KeyDirection.INVERSE, HmacAlgorithm.SHA256));
    }

    /** Four threads wrap and unwrap distinct packets through the same two instances; each must come back intact. */
    private static void roundTripsFromThreads(ControlChannelProtection server, ControlChannelProtection client)
            throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(thread);
                    for (int i = 0; i < 2_000; i++) {
                        byte[] payload = new byte[1 + r.nextInt(1_100)];
                        r.nextBytes(payload);
                        var pkt = new ControlPacket.Reliable(Opcode.P_CONTROL_V1, thread, new SessionId(i),
                                AckBlock.EMPTY, i, payload);
                        ReplayId id = new ReplayId(i + 1, 1_700_000_000L);
                        assertEquals(pkt, server.unwrap(ByteBuffer.wrap(client.wrap(pkt, id))).valueOrNull().packet(),
                                "client to server, thread " + thread + ", packet " + i);
                        assertEquals(pkt, client.unwrap(ByteBuffer.wrap(server.wrap(pkt, id))).valueOrNull().packet(),
                                "server to client, thread " + thread + ", packet " + i);
                    }
                    return thread;
                }));
            }
            for (var f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sessionCodecNumbersPacketsAndRejectsReplays() {
        StaticKey key = StaticKey.generate(new Random(3));
        ControlChannelCodec server = new ControlChannelCodec(TlsCrypt.forServer(key), 1_700_000_000L);
        ControlChannelCodec client = new ControlChannelCodec(TlsCrypt.forClient(key), 1_700_000_005L);
        var pkt = new ControlPacket.Reliable(Opcode.P_CONTROL_V1, 0, new SessionId(5), AckBlock.EMPTY, 1,
                new byte[] {9});
        byte[] w1 = client.seal(pkt);
        byte[] w2 = client.seal(pkt); // retransmission: same packet, new replay id
        assertEquals(pkt, server.open(ByteBuffer.wrap(w1), 0).valueOrNull());
        assertEquals(pkt, server.open(ByteBuffer.wrap(w2), 0).valueOrNull());
        assertDrop(DropReason.REPLAY, server.open(ByteBuffer.wrap(w1), 0));
        ReplayId id = TlsCrypt.forServer(key).unwrap(ByteBuffer.wrap(w2)).valueOrNull().replayId();
        assertEquals(new ReplayId(2, 1_700_000_005L), id);
    }

    @Test
    void firstPacketVerdict() {
        byte[] reset = Capture.load("tlscrypt.cap").get(0).bytes();
        var accept = assertInstanceOf(FirstPacketVerdict.Accept.class,
                FirstPacketVerdict.check(ByteBuffer.wrap(reset), TlsCrypt.forServer(TC)));
        assertEquals(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, accept.reset().opcode());

        byte[] control = Capture.load("tlscrypt.cap").get(2).bytes();
        assertReject(DropReason.UNEXPECTED_OPCODE, FirstPacketVerdict.check(ByteBuffer.wrap(control), TlsCrypt.forServer(TC)));
        assertReject(DropReason.AUTHENTICATION_FAILED,
                FirstPacketVerdict.check(ByteBuffer.wrap(reset), TlsCrypt.forServer(StaticKey.generate(new Random(4)))));

        SessionId sid = new SessionId(99);
        byte[] kid1 = NoProtection.INSTANCE.wrap(new ControlPacket.Reliable(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, 1,
                sid, AckBlock.EMPTY, 0, null), null);
        assertReject(DropReason.UNEXPECTED_KEY_ID, FirstPacketVerdict.check(ByteBuffer.wrap(kid1), NoProtection.INSTANCE));
        byte[] pid3 = NoProtection.INSTANCE.wrap(new ControlPacket.Reliable(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, 0,
                sid, AckBlock.EMPTY, 3, null), null);
        assertReject(DropReason.MALFORMED, FirstPacketVerdict.check(ByteBuffer.wrap(pid3), NoProtection.INSTANCE));
        byte[] zeroSid = NoProtection.INSTANCE.wrap(new ControlPacket.Reliable(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, 0,
                SessionId.UNDEFINED, AckBlock.EMPTY, 0, null), null);
        assertReject(DropReason.MALFORMED, FirstPacketVerdict.check(ByteBuffer.wrap(zeroSid), NoProtection.INSTANCE));
        assertReject(DropReason.TRUNCATED, FirstPacketVerdict.check(ByteBuffer.allocate(0), NoProtection.INSTANCE));
    }

    private static void assertReject(DropReason reason, FirstPacketVerdict v) {
        assertEquals(reason, assertInstanceOf(FirstPacketVerdict.Reject.class, v).reason());
    }

    private static void assertDrop(DropReason reason, ParseResult<?> r) {
        assertEquals(reason, assertInstanceOf(ParseResult.Dropped.class, r).reason());
    }
}
