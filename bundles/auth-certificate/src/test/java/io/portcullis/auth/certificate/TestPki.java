package io.portcullis.auth.certificate;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A throw-away PKI made with Bouncy Castle for each test run: EC P-256 keys, SHA-256 signatures. */
final class TestPki {

    static final Instant NOW = Instant.now();
    private static final AtomicLong SERIALS = new AtomicLong(0x1000);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Provider BC = new BouncyCastleProvider();

    /** A certificate with the key it was issued for. */
    record Issued(X509Certificate certificate, KeyPair keys) {
        X509Certificate cert() {
            return certificate;
        }
    }

    private TestPki() {
    }

    static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Issued rootCa(String dn) {
        return rootCa(dn, keys());
    }

    /**
     * A root CA whose key is on {@code curve}, generated (and later signing) with Bouncy Castle: SunEC
     * on JDK 17 implements only the NIST curves.
     */
    static Issued rootCaOnCurve(String dn, String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec(curve), RANDOM);
            return rootCa(dn, generator.generateKeyPair());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Issued rootCa(String dn, KeyPair keys) {
        return new Issued(build(dn, keys, dn, keys, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(3650)),
                true, null), keys);
    }

    static Issued intermediateCa(String dn, Issued issuer) {
        KeyPair keys = keys();
        return new Issued(build(dn, keys, issuer.cert().getSubjectX500Principal().getName(), issuer.keys(),
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1000)), true, null), keys);
    }

    /** Signs like a CA (keyCertSign) but its basic constraints say it is not one: PKIX must refuse it as an issuer. */
    static Issued notACa(String dn, Issued issuer) {
        KeyPair keys = keys();
        return new Issued(build(dn, keys, issuer.cert().getSubjectX500Principal().getName(), issuer.keys(),
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1000)), false,
                KeyUsage.keyCertSign | KeyUsage.cRLSign, null), keys);
    }

    /** {@code certificate} with one bit of its signature flipped, parsed again: still well-formed, no longer valid. */
    static X509Certificate tampered(X509Certificate certificate) {
        try {
            byte[] der = certificate.getEncoded();
            der[der.length - 1] ^= 0x01; // the last byte of the signature (of s, for ECDSA)
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Issued client(String dn, Issued issuer) {
        return client(dn, issuer, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)),
                List.of(KeyPurposeId.id_kp_clientAuth));
    }

    static Issued client(String dn, Issued issuer, Instant notBefore, Instant notAfter, List<KeyPurposeId> usages) {
        KeyPair keys = keys();
        return new Issued(build(dn, keys, issuer.cert().getSubjectX500Principal().getName(), issuer.keys(),
                notBefore, notAfter, false, usages), keys);
    }

    private static X509Certificate build(String dn, KeyPair keys, String issuerDn, KeyPair issuerKeys,
                                         Instant notBefore, Instant notAfter, boolean ca, List<KeyPurposeId> usages) {
        return build(dn, keys, issuerDn, issuerKeys, notBefore, notAfter, ca,
                ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature, usages);
    }

    private static X509Certificate build(String dn, KeyPair keys, String issuerDn, KeyPair issuerKeys,
                                         Instant notBefore, Instant notAfter, boolean ca, int keyUsage,
                                         List<KeyPurposeId> usages) {
        try {
            var builder = new JcaX509v3CertificateBuilder(name(issuerDn),
                    BigInteger.valueOf(SERIALS.incrementAndGet()).shiftLeft(64).add(new BigInteger(63, RANDOM)),
                    Date.from(notBefore), Date.from(notAfter), name(dn), keys.getPublic());
            var extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            if (!ca && usages != null) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(usages.toArray(KeyPurposeId[]::new)));
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(issuerKeys)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A DER CRL of {@code ca} revoking {@code revoked} (serial to CRLReason code, -1 for none). */
    static byte[] crl(Issued ca, Map<BigInteger, Integer> revoked) {
        return crl(ca, revoked, NOW.minus(Duration.ofMinutes(5)));
    }

    static byte[] crl(Issued ca, Map<BigInteger, Integer> revoked, Instant thisUpdate) {
        try {
            var builder = new X509v2CRLBuilder(X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded()),
                    Date.from(thisUpdate));
            builder.setNextUpdate(Date.from(thisUpdate.plus(Duration.ofDays(30))));
            builder.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.ONE));
            Date revokedAt = Date.from(NOW.minus(Duration.ofHours(1)));
            revoked.forEach((serial, reason) -> {
                if (reason < 0) {
                    builder.addCRLEntry(serial, revokedAt, (org.bouncycastle.asn1.x509.Extensions) null);
                } else {
                    builder.addCRLEntry(serial, revokedAt, reason);
                }
            });
            return builder.build(signer(ca.keys())).getEncoded();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** An RFC 2253 string (as {@code X500Principal.getName()} prints it) as a BC name, same DER. */
    static X500Name name(String rfc2253) {
        return X500Name.getInstance(new javax.security.auth.x500.X500Principal(rfc2253).getEncoded());
    }

    static ContentSigner signer(KeyPair keys) throws Exception {
        var builder = new JcaContentSignerBuilder("SHA256withECDSA");
        if (keys.getPrivate() instanceof org.bouncycastle.jce.interfaces.ECPrivateKey) {
            builder.setProvider(BC); // a key of rootCaOnCurve
        }
        return builder.build(keys.getPrivate());
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static String pem(X509Certificate... certificates) {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                text.append("subject=").append(certificate.getSubjectX500Principal().getName()).append('\n');
                text.append(pem("CERTIFICATE", certificate.getEncoded()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return text.toString();
    }
}
