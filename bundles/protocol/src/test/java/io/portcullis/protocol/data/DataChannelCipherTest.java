package io.portcullis.protocol.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.portcullis.protocol.keys.Key2;
import io.portcullis.protocol.packet.DataPacketHeader;
import io.portcullis.protocol.replay.ReplayWindow;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class DataChannelCipherTest {

    private static final Key2 KEY2;

    static {
        byte[] b = new byte[256];
        new Random(11).nextBytes(b);
        KEY2 = Key2.fromExporter(b);
    }

    private static DataChannelCipher server(AeadAlgorithm a, int peerId) {
        return new DataChannelCipher(KEY2.serverKeys(a), 1, peerId, new ReplayWindow());
    }

    private static DataChannelCipher client(AeadAlgorithm a, int peerId) {
        return new DataChannelCipher(KEY2.clientKeys(a), 1, peerId, new ReplayWindow());
    }

    /** Builds the expected wire bytes with Bouncy Castle's low-level AEAD, independently of JCE. */
    private static byte[] expectedPacket(AeadAlgorithm a, DataChannelKeys keys, byte[] header, long pid, byte[] plain) {
        AEADCipher c = a == AeadAlgorithm.CHACHA20_POLY1305 ? new ChaCha20Poly1305()
                : GCMBlockCipher.newInstance(AESEngine.newInstance());
        byte[] pidBytes = ByteBuffer.allocate(4).putInt((int) pid).array();
        byte[] nonce = ByteBuffer.allocate(12).put(pidBytes).put(keys.encryptImplicitIv()).array();
        byte[] aad = header.length == 4 ? ByteBuffer.allocate(8).put(header).put(pidBytes).array() : pidBytes;
        c.init(true, new AEADParameters(new KeyParameter(keys.encryptKey()), 128, nonce, aad));
        byte[] ctTag = new byte[plain.length + 16];
        int n = c.processBytes(plain, 0, plain.length, ctTag, 0);
        try {
            c.doFinal(ctTag, n);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return ByteBuffer.allocate(header.length + 4 + ctTag.length).put(header).put(pidBytes)
                .put(ctTag, plain.length, 16).put(ctTag, 0, plain.length).array();
    }

    @ParameterizedTest
    @EnumSource(AeadAlgorithm.class)
    void sealMatchesIndependentAeadAndLayout(AeadAlgorithm a) {
        DataChannelCipher s = server(a, 0x0a0b0c);
        byte[] plain = "an IP packet goes here".getBytes();
        ByteBuffer out = ByteBuffer.allocate(100);
        s.seal(ByteBuffer.wrap(plain), out);
        s.seal(ByteBuffer.wrap(plain), out.clear());
        byte[] wire = Arrays.copyOf(out.array(), out.position());
        assertEquals("490a0b0c00000002", HexFormat.of().formatHex(wire, 0, 8));
        assertArrayEquals(expectedPacket(a, KEY2.serverKeys(a), HexFormat.of().parseHex("490a0b0c"), 2, plain), wire);

        DataChannelCipher v1 = server(a, DataPacketHeader.ABSENT_PEER_ID);
        ByteBuffer out1 = ByteBuffer.allocate(100);
        v1.seal(ByteBuffer.wrap(plain), out1);
        assertArrayEquals(expectedPacket(a, KEY2.serverKeys(a), new byte[] {0x31}, 1, plain),
                Arrays.copyOf(out1.array(), out1.position()));
    }

    /** Sealed in place (room for the tag after the packet) or through scratch (none): the same bytes. */
    @ParameterizedTest
    @EnumSource(AeadAlgorithm.class)
    void sealGivesTheSameBytesWithOrWithoutRoomAfterThePacket(AeadAlgorithm a) {
        byte[] plain = new byte[1400];
        new Random(3).nextBytes(plain);
        byte[] expected = expectedPacket(a, KEY2.serverKeys(a), HexFormat.of().parseHex("49000007"), 1, plain);
        for (int room : new int[] {0, 15, 16, 100}) {
            for (boolean direct : new boolean[] {false, true}) {
                DataChannelCipher s = server(a, 7);
                int capacity = 5 + expected.length + room;
                ByteBuffer out = (direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity)).position(5);
                ByteBuffer in = direct ? ByteBuffer.allocateDirect(plain.length).put(plain).flip() : ByteBuffer.wrap(plain);
                assertEquals(expected.length, s.seal(in, out));
                assertEquals(5 + expected.length, out.position(), "room " + room);
                assertEquals(0, in.remaining());
                byte[] wire = new byte[expected.length];
                out.get(5, wire);
                assertArrayEquals(expected, wire, "room " + room + ", direct " + direct);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(AeadAlgorithm.class)
    void roundTripBothDirectionsHeapAndDirect(AeadAlgorithm a) {
        DataChannelCipher s = server(a, 7);
        DataChannelCipher c = client(a, 7);
        Random r = new Random(a.ordinal());
        for (int i = 0; i < 200; i++) {
            byte[] plain = new byte[r.nextInt(1500)];
            r.nextBytes(plain);
            boolean direct = i % 2 == 0;
            ByteBuffer wire = direct ? ByteBuffer.allocateDirect(1600) : ByteBuffer.allocate(1600);
            ByteBuffer in = direct ? ByteBuffer.allocateDirect(plain.length).put(plain).flip() : ByteBuffer.wrap(plain);
            DataChannelCipher from = i % 3 == 0 ? s : c;
            DataChannelCipher to = from == s ? c : s;
            int len = from.seal(in, wire);
            assertEquals(from.sealedLength(plain.length), len);
            wire.flip();
            ByteBuffer out = direct ? ByteBuffer.allocateDirect(1600) : ByteBuffer.allocate(1600);
            assertEquals(OpenStatus.OK, to.open(wire, out, 0));
            out.flip();
            byte[] got = new byte[out.remaining()];
            out.get(got);
            assertArrayEquals(plain, got);
        }
    }

    @Test
    void everyBitFlipIsRejectedAndLeavesOutputUntouched() {
        DataChannelCipher s = server(AeadAlgorithm.AES_256_GCM, 5);
        ByteBuffer wire = ByteBuffer.allocate(64);
        s.seal(ByteBuffer.wrap(new byte[20]), wire);
        byte[] good = Arrays.copyOf(wire.array(), wire.position());
        for (int i = 0; i < good.length * 8; i++) {
            byte[] bad = good.clone();
            bad[i / 8] ^= (byte) (1 << (i % 8));
            ByteBuffer out = ByteBuffer.allocate(64);
            OpenStatus st = client(AeadAlgorithm.AES_256_GCM, 5).open(ByteBuffer.wrap(bad), out, 0);
            assertNotEquals(OpenStatus.OK, st, "bit " + i);
            assertEquals(0, out.position());
        }
    }

    @Test
    void replayedAndForeignPacketsAreDropped() {
        DataChannelCipher s = server(AeadAlgorithm.CHACHA20_POLY1305, 5);
        DataChannelCipher c = client(AeadAlgorithm.CHACHA20_POLY1305, 5);
        ByteBuffer wire = ByteBuffer.allocate(64);
        s.seal(ByteBuffer.wrap(new byte[3]), wire);
        byte[] pkt = Arrays.copyOf(wire.array(), wire.position());
        ByteBuffer out = ByteBuffer.allocate(64);
        assertEquals(OpenStatus.OK, c.open(ByteBuffer.wrap(pkt), out, 0));
        assertEquals(OpenStatus.REPLAY, c.open(ByteBuffer.wrap(pkt), out, 0));
        assertEquals(3, out.position());

        DataChannelCipher otherKeyId = new DataChannelCipher(KEY2.clientKeys(AeadAlgorithm.CHACHA20_POLY1305), 2, 5,
                new ReplayWindow());
        assertEquals(OpenStatus.UNEXPECTED_KEY_ID, otherKeyId.open(ByteBuffer.wrap(pkt), out, 0));
        assertEquals(OpenStatus.TRUNCATED, c.open(ByteBuffer.wrap(pkt, 0, 23), out, 0));
        assertEquals(OpenStatus.UNEXPECTED_OPCODE, c.open(ByteBuffer.wrap(new byte[30]), out, 0));
        assertEquals(OpenStatus.TOO_LARGE, c.open(ByteBuffer.wrap(pkt), ByteBuffer.allocate(2), 0));
        // Own direction's keys cannot open own packets (keys differ per direction).
        assertEquals(OpenStatus.AUTHENTICATION_FAILED, server(AeadAlgorithm.CHACHA20_POLY1305, 5)
                .open(ByteBuffer.wrap(pkt), ByteBuffer.allocate(64), 0));
    }

    @Test
    void innerPayloadRecognition() {
        assertEquals(InnerPayload.Kind.PING, InnerPayload.classify(ByteBuffer.wrap(HexFormat.of()
                .parseHex("2a187bf3641eb4cb07ed2d0a981fc748"))));
        assertEquals(InnerPayload.Kind.OCC_EXIT, InnerPayload.classify(ByteBuffer.wrap(HexFormat.of()
                .parseHex("287f346bd4ef7a812d56b8d3afc5459c06"))));
        assertEquals(InnerPayload.Kind.OCC_OTHER, InnerPayload.classify(ByteBuffer.wrap(HexFormat.of()
                .parseHex("287f346bd4ef7a812d56b8d3afc5459c00"))));
        assertArrayEquals(HexFormat.of().parseHex("287f346bd4ef7a812d56b8d3afc5459c06"), InnerPayload.occExit());
        byte[] pingPlusOne = Arrays.copyOf(InnerPayload.ping(), 17);
        assertEquals(InnerPayload.Kind.IP_PACKET, InnerPayload.classify(ByteBuffer.wrap(pingPlusOne)));
        assertEquals(InnerPayload.Kind.IP_PACKET, InnerPayload.classify(ByteBuffer.wrap(new byte[] {0x45, 0})));
        assertEquals(InnerPayload.Kind.IP_PACKET, InnerPayload.classify(ByteBuffer.allocate(0)));
    }
}
