package io.portcullis.protocol.keymethod;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.keys.KeySource;
import io.portcullis.protocol.packet.DropReason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyMethod2Test {

    private static final String OPTIONS = "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,"
            + "cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client";
    private static final String PEER_INFO = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
            + "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\nIV_LZO_STUB=1\n";

    private static byte[] fill(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private static final KeySource SOURCE = new KeySource(fill(48, 0x11), fill(32, 0x22), fill(32, 0x33));

    /** A stock-format message built byte by byte from reference §5.1, independent of the encoder. */
    private static byte[] handBuiltStandard(String user, String pass) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(HexFormat.of().parseHex("0000000002"));
        out.writeBytes(fill(48, 0x11));
        out.writeBytes(fill(32, 0x22));
        out.writeBytes(fill(32, 0x33));
        for (String s : new String[] {OPTIONS, user, pass, PEER_INFO}) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            int len = b.length == 0 ? 0 : b.length + 1;
            out.write(len >> 8);
            out.write(len);
            if (len > 0) {
                out.writeBytes(b);
                out.write(0);
            }
        }
        return out.toByteArray();
    }

    @Test
    void parsesStandardClientMessage() {
        byte[] wire = handBuiltStandard("alice", "s3cret");
        var c = assertInstanceOf(KeyMethod2Reader.Complete.class, new KeyMethod2Reader().feed(wire));
        ClientKeyMethod2 m = c.message();
        assertEquals(wire.length, c.consumed());
        assertEquals(KeyMethod2Format.STANDARD, m.format());
        assertEquals(SOURCE, m.keySource());
        assertEquals(OPTIONS, m.options());
        assertEquals("alice", m.username());
        assertEquals("s3cret", m.password().revealUtf8());
        assertEquals("2.6.14", m.peerInfo().version().orElseThrow());
        assertEquals("linux", m.peerInfo().platform().orElseThrow());
        assertEquals(990, m.peerInfo().protoFlags());
        assertTrue(m.peerInfo().hasProtoFlag(PeerInfo.PROTO_TLS_KEY_EXPORT));
        assertTrue(m.peerInfo().hasProtoFlag(PeerInfo.PROTO_CC_EXIT_NOTIFY));
        assertFalse(m.peerInfo().hasProtoFlag(PeerInfo.PROTO_NCP_P2P), "990 = bits 1-4 and 6-9");
        assertEquals(List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"), m.peerInfo().ciphers());
        assertArrayEquals(wire, m.encode(), "encoder reproduces the stock layout");
        assertFalse(m.toString().contains("s3cret"));
        assertFalse(m.password().toString().contains("s3cret"));
    }

    @Test
    void standardWithoutCredentialsOrTrailingStrings() {
        byte[] wire = handBuiltStandard("", "");
        ClientKeyMethod2 m = ((KeyMethod2Reader.Complete) new KeyMethod2Reader().feed(wire)).message();
        assertFalse(m.hasCredentials());
        // A message may end right after the options string.
        int optionsEnd = 117 + 2 + OPTIONS.length() + 1;
        var c = (KeyMethod2Reader.Complete) new KeyMethod2Reader().feed(Arrays.copyOf(wire, optionsEnd));
        assertEquals(OPTIONS, c.message().options());
        assertEquals(PeerInfo.EMPTY, c.message().peerInfo());
    }

    @Test
    void standardSplitMidFieldWaitsForMore() {
        byte[] wire = handBuiltStandard("bob", "pw");
        for (int cut : new int[] {0, 3, 60, 117, 118, 200}) {
            KeyMethod2Reader r = new KeyMethod2Reader();
            assertInstanceOf(KeyMethod2Reader.NeedMore.class, r.feed(Arrays.copyOf(wire, cut)), "cut " + cut);
            var c = assertInstanceOf(KeyMethod2Reader.Complete.class,
                    r.feed(Arrays.copyOfRange(wire, cut, wire.length)));
            assertEquals("bob", c.message().username());
        }
    }

    @Test
    void parsesAwsFormatSpanningManyRecords() {
        String samlPassword = "CRV1::instance-1/123/abc::" + "P".repeat(60_000);
        ClientKeyMethod2 sent = new ClientKeyMethod2(KeyMethod2Format.AWS, SOURCE, OPTIONS, "N/A",
                SecretBytes.ofUtf8(samlPassword), PeerInfo.parse(PEER_INFO));
        byte[] wire = sent.encode();
        // Leading u32 is the little-endian total length; strings use u32 big-endian lengths.
        assertEquals(wire.length, (wire[0] & 0xFF) | (wire[1] & 0xFF) << 8 | (wire[2] & 0xFF) << 16);
        assertEquals(OPTIONS.length() + 1, (wire[117] << 24) | (wire[118] << 16) | ((wire[119] & 0xFF) << 8) | (wire[120] & 0xFF));

        byte[] extra = "PUSH_REQUEST\0".getBytes(StandardCharsets.US_ASCII);
        byte[] stream = Arrays.copyOf(wire, wire.length + extra.length);
        System.arraycopy(extra, 0, stream, wire.length, extra.length);
        KeyMethod2Reader reader = new KeyMethod2Reader();
        KeyMethod2Reader.Result r = null;
        for (int off = 0; off < stream.length; off += 16_000) {
            r = reader.feed(Arrays.copyOfRange(stream, off, Math.min(stream.length, off + 16_000)));
            if (off + 16_000 < wire.length) {
                assertInstanceOf(KeyMethod2Reader.NeedMore.class, r);
            }
        }
        var c = assertInstanceOf(KeyMethod2Reader.Complete.class, r);
        assertEquals(wire.length, c.consumed(), "bytes after the message are left to the caller");
        assertEquals(KeyMethod2Format.AWS, c.message().format());
        assertEquals("N/A", c.message().username());
        assertEquals(samlPassword, c.message().password().revealUtf8());
        assertEquals(990, c.message().peerInfo().protoFlags());
        assertEquals(SOURCE, c.message().keySource());
    }

    @Test
    void rejectsMalformedMessages() {
        byte[] wire = handBuiltStandard("a", "b");
        wire[4] = 1;
        assertEquals(DropReason.MALFORMED, malformed(wire).reason());

        byte[] huge = handBuiltStandard("a", "b");
        huge[117] = 0x03; // options length 0x03xx > 512
        assertEquals(DropReason.TOO_LARGE, malformed(huge).reason());

        byte[] aws = new ClientKeyMethod2(KeyMethod2Format.AWS, SOURCE, OPTIONS, "", null, null).encode();
        aws[0] = 10; // total length below the minimum
        aws[1] = 0;
        assertEquals(DropReason.MALFORMED, malformed(aws).reason());
        byte[] aws2 = new ClientKeyMethod2(KeyMethod2Format.AWS, SOURCE, OPTIONS, "", null, null).encode();
        aws2[120] = (byte) 0xF0; // options length beyond the total
        assertEquals(DropReason.MALFORMED, malformed(aws2).reason());
    }

    @Test
    void randomInputNeverThrows() {
        Random rnd = new Random(9);
        byte[] good = handBuiltStandard("u", "p");
        for (int i = 0; i < 5_000; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 3; k++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt();
            }
            new KeyMethod2Reader().feed(Arrays.copyOf(b, rnd.nextInt(b.length + 1)));
        }
    }

    private static KeyMethod2Reader.Malformed malformed(byte[] wire) {
        return assertInstanceOf(KeyMethod2Reader.Malformed.class, new KeyMethod2Reader().feed(wire));
    }

    @Test
    void serverReplyLayout() {
        KeySource server = new KeySource(null, fill(32, 0x44), fill(32, 0x55));
        byte[] reply = new ServerKeyMethod2(server, ServerKeyMethod2.DEFAULT_OPTIONS).encode();
        String hex = HexFormat.of().formatHex(reply);
        int optLen = ServerKeyMethod2.DEFAULT_OPTIONS.length() + 1;
        assertEquals("0000000002" + "44".repeat(32) + "55".repeat(32) + String.format("%04x", optLen)
                + HexFormat.of().formatHex(ServerKeyMethod2.DEFAULT_OPTIONS.getBytes(StandardCharsets.US_ASCII))
                + "00" + "000000000000", hex);
        ServerKeyMethod2 back = ServerKeyMethod2.parse(reply).valueOrNull();
        assertEquals(server, back.keySource());
        assertEquals(ServerKeyMethod2.DEFAULT_OPTIONS, back.options());
    }

    @Test
    void peerInfoParsing() {
        PeerInfo p = PeerInfo.parse("IV_VER=2.5.9\r\nIV_PROTO=6\nnonsense\nUV_X=a=b\nIV_NCP=2");
        assertEquals(Map.of("IV_VER", "2.5.9", "IV_PROTO", "6", "UV_X", "a=b", "IV_NCP", "2"), p.entries());
        assertFalse(p.hasProtoFlag(PeerInfo.PROTO_TLS_KEY_EXPORT));
        assertTrue(p.hasProtoFlag(PeerInfo.PROTO_DATA_V2));
        assertEquals(2, p.ncpVersion());
        assertEquals(List.of(), p.ciphers());
        assertEquals(0, PeerInfo.parse("IV_PROTO=x").protoFlags());
    }
}
