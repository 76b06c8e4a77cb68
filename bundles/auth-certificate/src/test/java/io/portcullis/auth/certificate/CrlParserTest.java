package io.portcullis.auth.certificate;

import io.portcullis.auth.certificate.TestPki.Issued;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CrlParserTest {

    private static Issued ca;

    @BeforeAll
    static void pki() {
        ca = TestPki.rootCa("CN=CRL Test CA");
    }

    @Test
    void readsSerialsDatesAndReasonsOfABouncyCastleCrl() throws Exception {
        BigInteger held = BigInteger.valueOf(0x42);
        BigInteger plain = new BigInteger("00ff00ff00ff00ff00ff00ff00ff00ff", 16);
        RevocationList crl = CrlParser.parse(TestPki.crl(ca, Map.of(held, 6, plain, -1)), List.of(ca.cert()));
        assertEquals(ca.cert().getSubjectX500Principal(), crl.issuer());
        assertEquals(2, crl.serials().size());
        var revocation = crl.lookup(held).orElseThrow();
        assertEquals("certificateHold", revocation.reason().orElseThrow());
        assertEquals(TestPki.NOW.minus(Duration.ofHours(1)).getEpochSecond(), revocation.at().getEpochSecond());
        assertTrue(crl.lookup(plain).orElseThrow().reason().isEmpty());
        assertTrue(crl.lookup(BigInteger.valueOf(0x43)).isEmpty());
        assertTrue(crl.nextUpdate().isPresent());
    }

    @Test
    void refusesDeltaCrlsAndUnknownCriticalExtensions() throws Exception {
        var delta = new X509v2CRLBuilder(X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded()), new Date());
        delta.addExtension(Extension.deltaCRLIndicator, true, new org.bouncycastle.asn1.ASN1Integer(1));
        byte[] der = delta.build(TestPki.signer(ca.keys())).getEncoded();
        assertTrue(assertThrows(CrlParser.CrlException.class, () -> CrlParser.parse(der, List.of(ca.cert())))
                .getMessage().startsWith("delta CRLs are not supported"));

        var odd = new X509v2CRLBuilder(X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded()), new Date());
        odd.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), true,
                new org.bouncycastle.asn1.DEROctetString(new byte[] {1}));
        byte[] oddDer = odd.build(TestPki.signer(ca.keys())).getEncoded();
        assertTrue(assertThrows(CrlParser.CrlException.class, () -> CrlParser.parse(oddDer, List.of(ca.cert())))
                .getMessage().contains("unsupported critical extension"));
    }

    @Test
    void damagedCrlsFailWithACrlExceptionNeverAnythingElse() throws Exception {
        byte[] good = TestPki.crl(ca, Map.of(BigInteger.TEN, 1, BigInteger.TWO, -1, BigInteger.valueOf(300), 6));
        Der outer = new Der(good, 0, good.length).next(Der.SEQUENCE, "crl").inside();
        outer.next(Der.SEQUENCE, "tbs");
        byte[] tbs = java.util.Arrays.copyOfRange(good, outer.start, outer.end());
        byte[] algorithm = tlv(Der.SEQUENCE, tlv(Der.OID, new byte[] {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04, 0x03, 0x02}));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        Random random = new Random(7);
        for (int i = 0; i < 1500; i++) {
            byte[] damaged;
            boolean resign = i % 2 == 0;
            if (resign) {
                // Malformed but signed by the CA (a buggy CA tool): the entry walk must hold.
                byte[] body = tbs.clone();
                if (i % 6 == 0) {
                    body = java.util.Arrays.copyOf(body, random.nextInt(body.length));
                } else {
                    for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                        body[random.nextInt(body.length)] ^= (byte) (1 + random.nextInt(255));
                    }
                }
                signer.initSign(ca.keys().getPrivate());
                signer.update(body);
                damaged = tlv(Der.SEQUENCE, body, algorithm, tlv(Der.BIT_STRING, concat(new byte[] {0}, signer.sign())));
            } else if (i % 3 == 0) {
                damaged = java.util.Arrays.copyOf(good, random.nextInt(good.length));
            } else {
                damaged = good.clone();
                damaged[random.nextInt(damaged.length)] ^= (byte) (1 + random.nextInt(255));
            }
            try {
                CrlParser.parse(damaged, List.of(ca.cert()));
            } catch (CrlParser.CrlException expected) {
                assertNotNull(expected.getMessage());
            } catch (RuntimeException e) {
                fail("damage #" + i + " escaped as " + e, e);
            }
        }
    }

    @Test
    void revokedSerialsAgreeWithAHashSet() {
        Random random = new Random(42);
        Set<BigInteger> expected = new HashSet<>();
        RevokedSerials.Builder builder = new RevokedSerials.Builder();
        for (int i = 0; i < 20_000; i++) {
            BigInteger serial = new BigInteger(1 + random.nextInt(160), random).subtract(BigInteger.valueOf(random.nextInt(3)));
            byte[] bytes = serial.toByteArray();
            if (i % 7 == 0) {
                // A redundant sign byte, as a sloppy CA may write it: still the same number.
                byte[] padded = new byte[bytes.length + 1];
                padded[0] = (byte) (serial.signum() < 0 ? 0xFF : 0);
                System.arraycopy(bytes, 0, padded, 1, bytes.length);
                bytes = padded;
            }
            builder.add(bytes, 0, bytes.length, i, 1);
            expected.add(serial);
        }
        RevokedSerials serials = builder.build();
        assertEquals(expected.size(), serials.size());
        for (BigInteger serial : expected) {
            assertTrue(serials.find(serial) >= 0, serial.toString(16));
        }
        for (int i = 0; i < 20_000; i++) {
            BigInteger probe = new BigInteger(1 + random.nextInt(160), random);
            assertEquals(expected.contains(probe), serials.find(probe) >= 0, probe.toString(16));
        }
        assertEquals(-1, RevokedSerials.empty().find(BigInteger.ONE));
    }

    @Test
    void aMillionEntryCrlLoadsQuicklyAndLooksUpInConstantTime(@TempDir Path dir) throws Exception {
        int count = 1_000_000;
        Random random = new Random(1);
        List<BigInteger> sample = new ArrayList<>();
        ByteArrayOutputStream entries = new ByteArrayOutputStream(count * 40);
        byte[] revokedAt = "250102030405Z".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
            BigInteger serial = new BigInteger(127, random);
            if (i % 10_000 == 0) {
                sample.add(serial);
            }
            byte[] integer = tlv(Der.INTEGER, serial.toByteArray());
            byte[] time = tlv(Der.UTC_TIME, revokedAt);
            entries.write(header(Der.SEQUENCE, integer.length + time.length));
            entries.write(integer);
            entries.write(time);
        }
        // One entry dated with GeneralizedTime (dates from 2050 on), reason keyCompromise.
        BigInteger late = BigInteger.valueOf(0xABCDEF);
        byte[] reasonExtension = tlv(Der.SEQUENCE, tlv(Der.SEQUENCE, tlv(Der.OID, new byte[] {0x55, 0x1D, 0x15}),
                tlv(Der.OCTET_STRING, tlv(Der.ENUMERATED, new byte[] {1}))));
        entries.write(tlv(Der.SEQUENCE, tlv(Der.INTEGER, late.toByteArray()),
                tlv(Der.GENERALIZED_TIME, "20510101000000Z".getBytes(StandardCharsets.US_ASCII)), reasonExtension));

        byte[] algorithm = tlv(Der.SEQUENCE, tlv(Der.OID, new byte[] {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04, 0x03, 0x02}));
        byte[] list = entries.toByteArray();
        ByteArrayOutputStream tbs = new ByteArrayOutputStream(list.length + 200);
        byte[] head = concat(tlv(Der.INTEGER, new byte[] {1}), algorithm, ca.cert().getSubjectX500Principal().getEncoded(),
                tlv(Der.UTC_TIME, "250101000000Z".getBytes(StandardCharsets.US_ASCII)),
                tlv(Der.UTC_TIME, "990101000000Z".getBytes(StandardCharsets.US_ASCII)));
        tbs.write(header(Der.SEQUENCE, head.length + header(Der.SEQUENCE, list.length).length + list.length));
        tbs.write(head);
        tbs.write(header(Der.SEQUENCE, list.length));
        tbs.write(list);
        byte[] tbsBytes = tbs.toByteArray();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(ca.keys().getPrivate());
        signer.update(tbsBytes);
        byte[] signature = concat(new byte[] {0}, signer.sign());
        byte[] crl = tlv(Der.SEQUENCE, tbsBytes, algorithm, tlv(Der.BIT_STRING, signature));
        Path file = dir.resolve("big.crl");
        Files.write(file, crl);

        long start = System.nanoTime();
        var crls = TrustFiles.loadCrls(file, List.of(ca.cert()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        RevocationList loaded = crls.get(ca.cert().getSubjectX500Principal());
        assertEquals(count + 1, loaded.serials().size());
        System.out.println("loaded a " + (crl.length >> 20) + " MiB CRL of " + loaded.serials().size()
                + " entries in " + millis + " ms");
        assertTrue(millis < 8000, "took " + millis + " ms");

        for (BigInteger serial : sample) {
            assertEquals(Instant.parse("2025-01-02T03:04:05Z"), loaded.lookup(serial).orElseThrow().at());
        }
        var lateEntry = loaded.lookup(late).orElseThrow();
        assertEquals(Instant.parse("2051-01-01T00:00:00Z"), lateEntry.at());
        assertEquals("keyCompromise", lateEntry.reason().orElseThrow());
        assertTrue(loaded.lookup(BigInteger.ONE.shiftLeft(130)).isEmpty());
        long lookups = System.nanoTime();
        for (int i = 0; i < 100_000; i++) {
            loaded.serials().find(sample.get(i % sample.size()));
        }
        long perLookup = (System.nanoTime() - lookups) / 100_000;
        assertTrue(perLookup < 20_000, perLookup + " ns per lookup");
    }

    private static byte[] tlv(int tag, byte[]... parts) {
        byte[] value = concat(parts);
        return concat(header(tag, value.length), value);
    }

    private static byte[] header(int tag, int length) {
        if (length < 0x80) {
            return new byte[] {(byte) tag, (byte) length};
        }
        int bytes = length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4;
        byte[] header = new byte[2 + bytes];
        header[0] = (byte) tag;
        header[1] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            header[2 + i] = (byte) (length >>> (8 * (bytes - 1 - i)));
        }
        return header;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
