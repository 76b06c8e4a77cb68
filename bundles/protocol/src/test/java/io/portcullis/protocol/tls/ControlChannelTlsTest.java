package io.portcullis.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.keys.Key2;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlChannelTlsTest {

    private static final TestPki PKI = new TestPki();

    /** Shuttles bytes between the two engines until neither has output; returns app data per side. */
    private static List<List<byte[]>> pump(ControlChannelTls client, ControlChannelTls server, byte[] first) {
        List<byte[]> atServer = new ArrayList<>();
        List<byte[]> atClient = new ArrayList<>();
        byte[] toServer = first;
        byte[] toClient = new byte[0];
        for (int i = 0; i < 20 && (toServer.length > 0 || toClient.length > 0); i++) {
            if (toServer.length > 0) {
                TlsStep s = server.feed(toServer);
                toServer = new byte[0];
                toClient = ControlChannelTls.concat(List.of(toClient, s.output()));
                if (s instanceof TlsStep.Progress p) {
                    atServer.addAll(p.applicationData());
                } else {
                    break;
                }
            }
            if (toClient.length > 0) {
                TlsStep c = client.feed(toClient);
                toClient = new byte[0];
                toServer = c.output();
                if (c instanceof TlsStep.Progress p) {
                    atClient.addAll(p.applicationData());
                } else {
                    break;
                }
            }
        }
        return List.of(atServer, atClient);
    }

    @Test
    void mutualTls13HandshakeExportsTheSameKeys() {
        SecureRandom random = new SecureRandom();
        ControlChannelTls server = ControlChannelTls.server(PKI.server, ClientCertificatePolicy.REQUIRED, random);
        ControlChannelTls client = ControlChannelTls.client(PKI.client, random);
        pump(client, server, client.takeOutput());
        assertTrue(server.isHandshakeComplete());
        assertTrue(client.isHandshakeComplete());
        assertEquals("TLS 1.3", server.protocolVersion().orElseThrow());
        assertEquals("CN=alice", server.peerCertificates().get(0).getSubjectX500Principal().getName());
        assertEquals(2, server.peerCertificates().size());
        assertEquals("CN=server", client.peerCertificates().get(0).getSubjectX500Principal().getName());

        byte[] serverKeys = server.exportKeyingMaterial(Key2.EXPORTER_LABEL).orElseThrow();
        assertArrayEquals(serverKeys, client.exportKeyingMaterial(Key2.EXPORTER_LABEL).orElseThrow());
        assertFalse(java.util.Arrays.equals(serverKeys,
                server.exportKeyingMaterial("EXPORTER-OpenVPN-dynamic-tls-crypt").orElseThrow()));

        byte[] msg = "PUSH_REQUEST\0".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = ((TlsStep.Progress) client.send(msg)).output();
        var got = (TlsStep.Progress) server.feed(wire);
        assertArrayEquals(msg, ControlChannelTls.concat(got.applicationData()));
    }

    @Test
    void recordsSplitOverFeedsAreReassembledAndKeysCanBeForgotten() {
        SecureRandom random = new SecureRandom();
        ControlChannelTls server = ControlChannelTls.server(PKI.server, ClientCertificatePolicy.REQUIRED, random);
        ControlChannelTls client = ControlChannelTls.client(PKI.client, random);
        // The ClientHello 7 bytes at a time, the client's second flight in odd-sized pieces: records
        // then start and end inside feeds, and a header arrives in two parts.
        byte[] serverFlight = feedInPieces(server, client.takeOutput(), 7);
        byte[] clientFlight = ((TlsStep.Progress) client.feed(serverFlight)).output();
        assertTrue(client.isHandshakeComplete());
        feedInPieces(server, clientFlight, 333);
        assertTrue(server.isHandshakeComplete());
        assertEquals("CN=alice", server.peerCertificates().get(0).getSubjectX500Principal().getName());

        byte[] keys = server.exportKeyingMaterial(Key2.EXPORTER_LABEL).orElseThrow();
        assertArrayEquals(keys, client.exportKeyingMaterial(Key2.EXPORTER_LABEL).orElseThrow());
        server.forgetKeyingMaterial();
        assertFalse(server.exportKeyingMaterial(Key2.EXPORTER_LABEL).isPresent());

        // The session still carries control messages after that.
        byte[] msg = "PUSH_REQUEST\0".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = ((TlsStep.Progress) client.send(msg)).output();
        List<byte[]> got = new ArrayList<>();
        for (int i = 0; i < wire.length; i++) {
            got.addAll(((TlsStep.Progress) server.feed(new byte[] {wire[i]})).applicationData());
        }
        assertArrayEquals(msg, ControlChannelTls.concat(got));
    }

    /** Feeds {@code bytes} in pieces of {@code size}; returns all output, asserting each step progressed. */
    private static byte[] feedInPieces(ControlChannelTls tls, byte[] bytes, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < bytes.length; off += size) {
            TlsStep step = tls.feed(java.util.Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + size)));
            assertInstanceOf(TlsStep.Progress.class, step, "piece at " + off);
            out.add(step.output());
        }
        return ControlChannelTls.concat(out);
    }

    @Test
    void requiredClientCertificateIsEnforced() {
        SecureRandom random = new SecureRandom();
        ControlChannelTls server = ControlChannelTls.server(PKI.server, ClientCertificatePolicy.REQUIRED, random);
        ControlChannelTls client = ControlChannelTls.client(null, random);
        pump(client, server, client.takeOutput());
        assertFalse(server.isHandshakeComplete());
        assertTrue(server.isFailed());
    }

    @Test
    void certificateLessClientWhenNotRequired() {
        SecureRandom random = new SecureRandom();
        ControlChannelTls server = ControlChannelTls.server(PKI.server, ClientCertificatePolicy.OPTIONAL, random);
        ControlChannelTls client = ControlChannelTls.client(null, random);
        pump(client, server, client.takeOutput());
        assertTrue(server.isHandshakeComplete());
        assertTrue(server.peerCertificates().isEmpty());
    }

    @Test
    void garbageIsAFailureNotAnException() {
        ControlChannelTls server = ControlChannelTls.server(PKI.server, ClientCertificatePolicy.NONE, new SecureRandom());
        assertInstanceOf(TlsStep.Failed.class, server.feed("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertInstanceOf(TlsStep.Failed.class, server.feed(new byte[] {1}));
        assertFalse(server.exportKeyingMaterial(Key2.EXPORTER_LABEL).isPresent());
    }

    @Test
    void aBadRecordHeaderFailsBeforeTheRecordsEndArrives() {
        ControlChannelTls server = ControlChannelTls.server(PKI.server, ClientCertificatePolicy.NONE, new SecureRandom());
        // A handshake record header announcing 65,535 bytes: over TLS's limit, refused at once.
        assertInstanceOf(TlsStep.Failed.class, server.feed(new byte[] {22, 3, 3, (byte) 0xFF, (byte) 0xFF, 1}));
    }
}
