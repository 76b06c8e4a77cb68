package io.portcullis.protocol.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelKeys;
import io.portcullis.protocol.packet.SessionId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.Test;

class KeyDerivationTest {

    private static final BcTlsCrypto BC = new BcTlsCrypto(new SecureRandom());

    private static byte[] fill(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    /** Bouncy Castle's independent TLS 1.0 PRF. */
    private static byte[] bcPrf(byte[] secret, String label, byte[] seed, int len) {
        return BC.createSecret(secret).deriveUsingPRF(PRFAlgorithm.tls_prf_legacy, label, seed, len).extract();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void prfMatchesPublishedTls10Vector() {
        // The widely circulated TLS 1.0 PRF test vector: secret 48 x 0xab, label "PRF Testvector",
        // seed 64 x 0xcd, 104 bytes of output.
        byte[] out = OpenVpnPrf.prf(fill(48, 0xab),
                concat("PRF Testvector".getBytes(StandardCharsets.US_ASCII), fill(64, 0xcd)), 104);
        assertEquals("d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754443bcf9a296519bc289abcbc1187e4eb"
                + "d31e602353776c408aafb74cbc85eff69255f9788faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f"
                + "1afbc655a8c9a013", HexFormat.of().formatHex(out));
    }

    @Test
    void prfMatchesBouncyCastleForOddSecretsAndLengths() {
        Random r = new Random(5);
        for (int secretLen : new int[] {1, 47, 48, 49}) {
            for (int len : new int[] {1, 16, 48, 100, 256}) {
                byte[] secret = new byte[secretLen];
                byte[] seed = new byte[77];
                r.nextBytes(secret);
                r.nextBytes(seed);
                assertArrayEquals(bcPrf(secret, "lbl", seed, len),
                        OpenVpnPrf.prf(secret, concat("lbl".getBytes(StandardCharsets.US_ASCII), seed), len));
            }
        }
    }

    @Test
    void key2FromPrfFollowsOpenVpnConstruction() {
        KeySource client = new KeySource(fill(48, 1), fill(32, 2), fill(32, 3));
        KeySource server = new KeySource(null, fill(32, 4), fill(32, 5));
        SessionId csid = new SessionId(0x0102030405060708L);
        SessionId ssid = new SessionId(0x1112131415161718L);
        byte[] master = bcPrf(fill(48, 1), "OpenVPN master secret", concat(fill(32, 2), fill(32, 4)), 48);
        byte[] expected = bcPrf(master, "OpenVPN key expansion",
                concat(fill(32, 3), fill(32, 5), csid.toBytes(), ssid.toBytes()), 256);
        assertArrayEquals(expected, Key2.fromPrf(client, server, csid, ssid).toBytes());
    }

    @Test
    void directionSlotsAndImplicitIvs() {
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            b[i] = (byte) i;
        }
        Key2 key2 = Key2.fromExporter(b);
        DataChannelKeys server = key2.serverKeys(AeadAlgorithm.AES_256_GCM);
        assertArrayEquals(Arrays.copyOfRange(b, 128, 160), server.encryptKey());
        assertArrayEquals(Arrays.copyOfRange(b, 192, 200), server.encryptImplicitIv());
        assertArrayEquals(Arrays.copyOfRange(b, 0, 32), server.decryptKey());
        assertArrayEquals(Arrays.copyOfRange(b, 64, 72), server.decryptImplicitIv());
        DataChannelKeys client = key2.clientKeys(AeadAlgorithm.AES_128_GCM);
        assertArrayEquals(Arrays.copyOfRange(b, 0, 16), client.encryptKey());
        assertArrayEquals(Arrays.copyOfRange(b, 128, 144), client.decryptKey());
        assertArrayEquals(Arrays.copyOfRange(b, 64, 72), client.encryptImplicitIv());
        assertEquals("EXPORTER-OpenVPN-datakeys", Key2.EXPORTER_LABEL);
    }
}
