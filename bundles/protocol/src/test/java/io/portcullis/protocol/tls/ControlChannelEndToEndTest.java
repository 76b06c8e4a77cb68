package io.portcullis.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.data.InnerPayload;
import io.portcullis.protocol.data.OpenStatus;
import io.portcullis.protocol.keymethod.ClientKeyMethod2;
import io.portcullis.protocol.keymethod.KeyMethod2Format;
import io.portcullis.protocol.keymethod.KeyMethod2Reader;
import io.portcullis.protocol.keymethod.PeerInfo;
import io.portcullis.protocol.keymethod.SecretBytes;
import io.portcullis.protocol.keymethod.ServerKeyMethod2;
import io.portcullis.protocol.keys.Key2;
import io.portcullis.protocol.keys.KeySource;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.packet.SessionId;
import io.portcullis.protocol.reliable.ReliableLayer;
import io.portcullis.protocol.replay.ReplayWindow;
import io.portcullis.protocol.wrap.ControlChannelCodec;
import io.portcullis.protocol.wrap.FirstPacketVerdict;
import io.portcullis.protocol.wrap.StaticKey;
import io.portcullis.protocol.wrap.TlsCrypt;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The library's pieces composed as an endpoint would: tls-crypt wrapping, the reliability
 * layer over a lossy link, TLS 1.3, key-method 2, EKM key derivation and one AEAD data packet.
 */
class ControlChannelEndToEndTest {

    private static final long MS = 1_000_000L;
    private static final int MAX_TLS_CHUNK = 1100;

    /** One side: codec + reliability + TLS + received application bytes. */
    private static final class Side {
        final ControlChannelCodec codec;
        final ReliableLayer reliable;
        final ControlChannelTls tls;
        final ByteArrayOutputStream appData = new ByteArrayOutputStream();

        Side(ControlChannelCodec codec, ReliableLayer reliable, ControlChannelTls tls) {
            this.codec = codec;
            this.reliable = reliable;
            this.tls = tls;
        }

        List<byte[]> poll(long now) {
            List<byte[]> out = new ArrayList<>();
            for (ControlPacket p : reliable.poll(now)) {
                out.add(codec.seal(p));
            }
            return out;
        }

        void receive(byte[] wire, long now) {
            ParseResult<ControlPacket> r = codec.open(ByteBuffer.wrap(wire), now);
            if (!(r instanceof ParseResult.Ok<ControlPacket> ok)) {
                return; // dropped: replayed duplicate on the link
            }
            reliable.setRemoteSessionId(ok.value().sessionId());
            reliable.receive(ok.value());
            for (ControlPacket.Reliable p : reliable.pollDeliverable()) {
                if (p.opcode() != Opcode.P_CONTROL_V1) {
                    continue; // the resets carry no TLS data
                }
                TlsStep step = tls.feed(p.payload());
                assertInstanceOf(TlsStep.Progress.class, step, step.toString());
                ((TlsStep.Progress) step).applicationData().forEach(appData::writeBytes);
                reliable.enqueueStream(step.output(), MAX_TLS_CHUNK);
            }
        }

        void sendApp(byte[] message) {
            reliable.enqueueStream(tls.send(message).output(), MAX_TLS_CHUNK);
        }
    }

    @Test
    void handshakeKeyExchangeAndDataOverLossyLink() {
        TestPki pki = new TestPki();
        SecureRandom tlsRandom = new SecureRandom();
        Random link = new Random(1234);
        StaticKey key = StaticKey.generate(new Random(99));
        SessionId cid = new SessionId(0xC0FFEE);
        SessionId sid = new SessionId(0x5E55);

        Side client = new Side(new ControlChannelCodec(TlsCrypt.forClient(key), 1_700_000_000L),
                new ReliableLayer(0, cid), ControlChannelTls.client(pki.client, tlsRandom));
        client.reliable.enqueue(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, new byte[0]);
        byte[] reset = client.poll(0).get(0);

        // The server checks the first packet statelessly before creating any state.
        var accept = assertInstanceOf(FirstPacketVerdict.Accept.class,
                FirstPacketVerdict.check(ByteBuffer.wrap(reset), TlsCrypt.forServer(key)));
        Side server = new Side(new ControlChannelCodec(TlsCrypt.forServer(key), 1_700_000_001L),
                new ReliableLayer(0, sid), ControlChannelTls.server(pki.server, ClientCertificatePolicy.REQUIRED, tlsRandom));
        server.receive(reset, 0);
        server.reliable.enqueue(Opcode.P_CONTROL_HARD_RESET_SERVER_V2, new byte[0]);
        assertEquals(cid, accept.reset().sessionId());
        // The client starts TLS once it hears the server reset; queue the ClientHello now.
        client.reliable.enqueueStream(client.tls.takeOutput(), MAX_TLS_CHUNK);

        KeySource clientSource = KeySource.randomForClient(tlsRandom);
        KeySource serverSource = KeySource.randomForServer(tlsRandom);
        KeyMethod2Reader reader = new KeyMethod2Reader();
        ClientKeyMethod2 received = null;
        boolean clientSentKm2 = false;
        boolean serverReplied = false;

        long now = 0;
        for (int step = 0; step < 20_000 && !(serverReplied && client.appData.size() > 0
                && client.reliable.isIdle() && server.reliable.isIdle()); step++) {
            for (Side from : new Side[] {client, server}) {
                Side to = from == client ? server : client;
                for (byte[] wire : from.poll(now)) {
                    if (link.nextDouble() >= 0.2) {
                        to.receive(wire, now);
                    }
                }
            }
            if (client.tls.isHandshakeComplete() && !clientSentKm2) {
                clientSentKm2 = true;
                client.sendApp(new ClientKeyMethod2(KeyMethod2Format.STANDARD, clientSource, "V4,tls-client", "alice",
                        SecretBytes.ofUtf8("pw"), PeerInfo.parse("IV_VER=2.6.14\nIV_PROTO=990\n")).encode());
            }
            if (server.appData.size() > 0 && !serverReplied) {
                var done = assertInstanceOf(KeyMethod2Reader.Complete.class, reader.feed(server.appData.toByteArray()));
                received = done.message();
                server.sendApp(new ServerKeyMethod2(serverSource, ServerKeyMethod2.DEFAULT_OPTIONS).encode());
                serverReplied = true;
            }
            now += 50 * MS;
        }
        assertTrue(serverReplied, "key-method 2 reached the server");
        assertEquals("alice", received.username());
        assertEquals(clientSource, received.keySource());
        assertEquals(serverSource, ServerKeyMethod2.parse(client.appData.toByteArray()).valueOrNull().keySource());
        assertEquals("CN=alice", server.tls.peerCertificates().get(0).getSubjectX500Principal().getName());

        // Both sides derive the data keys from the TLS exporter and exchange a ping.
        Key2 serverKey2 = Key2.fromExporter(server.tls.exportKeyingMaterial(Key2.EXPORTER_LABEL).orElseThrow());
        Key2 clientKey2 = Key2.fromExporter(client.tls.exportKeyingMaterial(Key2.EXPORTER_LABEL).orElseThrow());
        DataChannelCipher serverData = new DataChannelCipher(serverKey2.serverKeys(AeadAlgorithm.AES_256_GCM), 0, 7,
                new ReplayWindow());
        DataChannelCipher clientData = new DataChannelCipher(clientKey2.clientKeys(AeadAlgorithm.AES_256_GCM), 0, 7,
                new ReplayWindow());
        ByteBuffer wire = ByteBuffer.allocate(100);
        clientData.seal(ByteBuffer.wrap(InnerPayload.ping()), wire);
        ByteBuffer plain = ByteBuffer.allocate(100);
        assertEquals(OpenStatus.OK, serverData.open(wire.flip(), plain, now));
        assertEquals(InnerPayload.Kind.PING, InnerPayload.classify(plain.flip()));
        assertArrayEquals(InnerPayload.ping(), java.util.Arrays.copyOf(plain.array(), plain.limit()));
    }
}
