package io.portcullis.auth.certificate;

import io.portcullis.auth.certificate.TestPki.Issued;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class BcVerifiedCertificateTest {

    private static Issued ca;
    private static Issued otherCa;

    @BeforeAll
    static void pki() {
        ca = TestPki.rootCa("CN=Wrapper Test CA,O=Portcullis");
        otherCa = TestPki.rootCa("CN=Other Wrapper Test CA,O=Portcullis");
    }

    @Test
    void verifiesWithBouncyCastleNotTheJdksEcProvider() throws Exception {
        X509Certificate certificate = TestPki.client("CN=no sunec", ca).cert();
        X509Certificate tampered = TestPki.tampered(TestPki.client("CN=no sunec tampered", ca).cert());
        PublicKey key = ca.cert().getPublicKey();
        BcVerifiedCertificate wrapped = new BcVerifiedCertificate(certificate);
        BcVerifiedCertificate wrappedTampered = new BcVerifiedCertificate(tampered);

        // Without SunEC the JDK has no ECDSA at all; the wrapper verifies regardless.
        Provider sunEc = Security.getProvider("SunEC");
        assertNotNull(sunEc);
        int position = Arrays.asList(Security.getProviders()).indexOf(sunEc) + 1;
        Security.removeProvider(sunEc.getName());
        try {
            assertThrows(NoSuchAlgorithmException.class, () -> certificate.verify(key));
            wrapped.verify(key);
            assertThrows(SignatureException.class, () -> wrappedTampered.verify(key));
        } finally {
            Security.insertProviderAt(sunEc, position);
        }
    }

    @Test
    void theProviderACallerNamesIsIgnored() throws Exception {
        X509Certificate certificate = TestPki.client("CN=any provider", ca).cert();
        PublicKey key = ca.cert().getPublicKey();
        Provider empty = new Provider("Empty", "1.0", "no algorithms") {
            private static final long serialVersionUID = 1L;
        };
        assertThrows(NoSuchProviderException.class, () -> certificate.verify(key, "NoSuchProvider"));
        assertThrows(NoSuchAlgorithmException.class, () -> certificate.verify(key, empty));

        // A fresh wrapper for each call, so that none is answered from the remembered success.
        new BcVerifiedCertificate(certificate).verify(key, "NoSuchProvider");
        new BcVerifiedCertificate(certificate).verify(key, (String) null);
        new BcVerifiedCertificate(certificate).verify(key, empty);
        new BcVerifiedCertificate(certificate).verify(key, (Provider) null);
        new BcVerifiedCertificate(certificate).verify(key);
    }

    @Test
    void aBadSignatureThrowsSignatureException() {
        X509Certificate tampered = TestPki.tampered(TestPki.client("CN=tampered", ca).cert());
        PublicKey key = ca.cert().getPublicKey();
        BcVerifiedCertificate wrapped = new BcVerifiedCertificate(tampered);
        assertThrows(SignatureException.class, () -> wrapped.verify(key));
        assertThrows(SignatureException.class, () -> wrapped.verify(key, (String) null));
        assertThrows(SignatureException.class, () -> wrapped.verify(key, (Provider) null));

        BcVerifiedCertificate good = new BcVerifiedCertificate(TestPki.client("CN=good", ca).cert());
        assertThrows(SignatureException.class, () -> good.verify(otherCa.cert().getPublicKey()));
    }

    @Test
    void onlyASuccessIsRemembered() throws Exception {
        BcVerifiedCertificate wrapped = new BcVerifiedCertificate(TestPki.client("CN=remembered", ca).cert());
        PublicKey right = ca.cert().getPublicKey();
        PublicKey wrong = otherCa.cert().getPublicKey();
        assertThrows(SignatureException.class, () -> wrapped.verify(wrong));
        wrapped.verify(right);
        wrapped.verify(right);
        assertThrows(SignatureException.class, () -> wrapped.verify(wrong));
        wrapped.verify(right, (String) null);
    }

    @Test
    void moreIssuerKeysThanAreKeptInBouncyCastleFormStillVerify() throws Exception {
        List<Issued> issuers = new ArrayList<>();
        for (int i = 0; i < 70; i++) { // more than BC_KEYS_KEPT
            issuers.add(TestPki.rootCa("CN=Issuer " + i));
        }
        for (int round = 0; round < 2; round++) {
            for (Issued issuer : issuers) {
                new BcVerifiedCertificate(issuer.cert()).verify(issuer.cert().getPublicKey());
                assertThrows(SignatureException.class,
                        () -> new BcVerifiedCertificate(issuer.cert()).verify(ca.cert().getPublicKey()));
            }
        }
    }

    @Test
    void pkixChecksSignaturesThroughTheWrapper() throws Exception {
        // A signature provider that does not exist fails PKIX's signature check of a JDK certificate,
        // and not of a wrapper: PKIX calls the wrapper's verify and takes a certificate of another class.
        X509Certificate leaf = TestPki.client("CN=pkix", ca).cert();
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca.cert(), null)));
        parameters.setRevocationEnabled(false);
        parameters.setSigProvider("NoSuchProvider");
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        CertPathValidator pkix = CertPathValidator.getInstance("PKIX");

        var failure = assertThrows(CertPathValidatorException.class,
                () -> pkix.validate(factory.generateCertPath(List.of(leaf)), parameters));
        assertInstanceOf(NoSuchProviderException.class, failure.getCause());
        pkix.validate(factory.generateCertPath(List.of(new BcVerifiedCertificate(leaf))), parameters);

        // And its other checks still run on the wrapper: a tampered signature, and an expired certificate.
        assertThrows(CertPathValidatorException.class, () -> pkix.validate(
                factory.generateCertPath(List.of(new BcVerifiedCertificate(TestPki.tampered(leaf)))), parameters));
        parameters.setDate(Date.from(TestPki.NOW.plus(Duration.ofDays(400))));
        var expired = assertThrows(CertPathValidatorException.class,
                () -> pkix.validate(factory.generateCertPath(List.of(new BcVerifiedCertificate(leaf))), parameters));
        assertEquals(CertPathValidatorException.BasicReason.EXPIRED, expired.getReason());
    }

    @Test
    void delegatesEqualsHashCodeEncodingAndTheRest() throws Exception {
        X509Certificate certificate = TestPki.client("CN=delegate,OU=ops", ca).cert();
        BcVerifiedCertificate wrapped = new BcVerifiedCertificate(certificate);

        assertEquals(certificate, wrapped);
        assertEquals(wrapped, certificate);
        assertEquals(wrapped, new BcVerifiedCertificate(certificate));
        assertEquals(certificate.hashCode(), wrapped.hashCode());
        assertNotEquals(wrapped, new BcVerifiedCertificate(ca.cert()));
        assertNotEquals(wrapped, ca.cert());
        assertArrayEquals(certificate.getEncoded(), wrapped.getEncoded());
        assertArrayEquals(certificate.getTBSCertificate(), wrapped.getTBSCertificate());
        assertArrayEquals(certificate.getSignature(), wrapped.getSignature());
        assertEquals(certificate.getSubjectX500Principal(), wrapped.getSubjectX500Principal());
        assertEquals(certificate.getIssuerX500Principal(), wrapped.getIssuerX500Principal());
        assertEquals(certificate.getSerialNumber(), wrapped.getSerialNumber());
        assertEquals(certificate.getPublicKey(), wrapped.getPublicKey());
        assertEquals(certificate.getBasicConstraints(), wrapped.getBasicConstraints());
        assertArrayEquals(certificate.getKeyUsage(), wrapped.getKeyUsage());
        assertEquals(certificate.getExtendedKeyUsage(), wrapped.getExtendedKeyUsage());
        assertEquals(certificate.getCriticalExtensionOIDs(), wrapped.getCriticalExtensionOIDs());
        assertEquals(certificate.getNotAfter(), wrapped.getNotAfter());
        assertEquals(certificate.getSigAlgName(), wrapped.getSigAlgName());
        assertEquals("X.509", wrapped.getType());
        assertEquals(certificate.toString(), wrapped.toString());

        assertSame(certificate, BcVerifiedCertificate.unwrap(wrapped));
        assertSame(certificate, BcVerifiedCertificate.unwrap(certificate));
        List<X509Certificate> all = BcVerifiedCertificate.all(List.of(certificate, ca.cert()));
        assertEquals(List.of(certificate, ca.cert()), all);
        assertInstanceOf(BcVerifiedCertificate.class, all.get(1));
    }

    @ParameterizedTest
    @CsvSource({
        "EC secp384r1, SHA384withECDSA",
        "EC secp521r1, SHA512withECDSA",
        "RSA, SHA256withRSA",
        "RSA, SHA256withRSAandMGF1",
        "Ed25519, Ed25519",
        "Ed448, Ed448",
    })
    void agreesWithTheJdkOnOtherAlgorithms(String keyType, String signatureAlgorithm) throws Exception {
        String[] type = keyType.split(" ");
        KeyPairGenerator generator = KeyPairGenerator.getInstance(type[0]);
        if (type.length > 1) {
            generator.initialize(new ECGenParameterSpec(type[1]));
        }
        KeyPair keys = generator.generateKeyPair();
        X509Certificate certificate = selfSigned(keys, signatureAlgorithm);
        X509Certificate tampered = TestPki.tampered(certificate);

        certificate.verify(keys.getPublic());
        new BcVerifiedCertificate(certificate).verify(keys.getPublic());
        assertThrows(SignatureException.class, () -> tampered.verify(keys.getPublic()));
        assertThrows(SignatureException.class, () -> new BcVerifiedCertificate(tampered).verify(keys.getPublic()));
    }

    @Test
    void onACurveSunEcDoesNotVerifyOnTheJdkDecides() throws Exception {
        Issued k1 = TestPki.rootCaOnCurve("CN=secp256k1 CA", "secp256k1");
        X509Certificate leaf = TestPki.client("CN=k1 leaf", k1).cert();
        PublicKey key = k1.cert().getPublicKey();
        leaf.verify(key, new BouncyCastleProvider()); // Bouncy Castle would accept it
        assertThrows(SignatureException.class, () -> leaf.verify(key)); // the JDK does not
        assertThrows(SignatureException.class, () -> new BcVerifiedCertificate(leaf).verify(key));
    }

    private static X509Certificate selfSigned(KeyPair keys, String signatureAlgorithm) throws Exception {
        X500Name name = new X500Name("CN=" + signatureAlgorithm);
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(TestPki.NOW.minus(Duration.ofDays(1))),
                Date.from(TestPki.NOW.plus(Duration.ofDays(1))), name, keys.getPublic());
        var signer = new JcaContentSignerBuilder(signatureAlgorithm);
        if (signatureAlgorithm.endsWith("MGF1")) {
            signer.setProvider(new BouncyCastleProvider()); // the JDK knows RSASSA-PSS by another name
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer.build(keys.getPrivate())));
    }
}
