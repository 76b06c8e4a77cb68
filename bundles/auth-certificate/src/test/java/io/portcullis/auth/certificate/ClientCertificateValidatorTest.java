package io.portcullis.auth.certificate;

import io.portcullis.auth.certificate.ClientCertificateValidator.Verdict;
import io.portcullis.auth.certificate.TestPki.Issued;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The validator with signatures verified by Bouncy Castle ({@link BcVerifiedCertificate}): bad
 * signatures are still refused with the same reasons, PKIX still runs, and the accepted path holds
 * the client's own certificates.
 */
class ClientCertificateValidatorTest {

    private static Issued root;
    private static Issued intermediate;
    private static TrustMaterial trust;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("CN=Validator Root CA,O=Portcullis");
        intermediate = TestPki.intermediateCa("CN=Validator Issuing CA,O=Portcullis", root);
        trust = trust(root.cert());
    }

    @Test
    void aLeafWhoseSignatureWasTamperedWithIsRejected() {
        Issued leaf = TestPki.client("CN=tampered", root);
        valid(List.of(leaf.cert()));

        X509Certificate tampered = TestPki.tampered(leaf.cert());
        assertEquals("the signature of CN=tampered does not verify with the configured CA CN=Validator Root CA,O=Portcullis ("
                + ClientCertificateValidator.describe(tampered) + ")", invalid(List.of(tampered)));
    }

    @Test
    void anIntermediateChainValidatesAndATamperedIntermediateIsRejected() {
        Issued leaf = TestPki.client("CN=via intermediate", intermediate);
        Verdict.Valid verdict = valid(List.of(leaf.cert(), intermediate.cert()));
        // The client's own (JDK) certificates, not the wrappers the validation used.
        assertEquals(2, verdict.path().size());
        assertSame(leaf.cert(), verdict.path().get(0));
        assertSame(intermediate.cert(), verdict.path().get(1));
        assertSame(root.cert(), verdict.anchor());

        String reason = invalid(List.of(leaf.cert(), TestPki.tampered(intermediate.cert())));
        assertTrue(reason.startsWith("the signature of CN=Validator Issuing CA,O=Portcullis does not verify with the configured CA "
                + "CN=Validator Root CA,O=Portcullis (subject CN=via intermediate,"), reason);

        // A leaf whose signature does not verify with the intermediate's key: no issuer for it among those sent.
        reason = invalid(List.of(TestPki.tampered(leaf.cert()), intermediate.cert()));
        assertTrue(reason.startsWith("not issued by the configured CA: issuer CN=Validator Issuing CA,O=Portcullis (subject"), reason);
    }

    @Test
    void anIntermediateWithoutTheCaBasicConstraintIsRejectedByPkix() {
        // Every signature verifies and the names chain; only PKIX's basic constraints check refuses it.
        Issued notACa = TestPki.notACa("CN=Not A CA,O=Portcullis", root);
        Issued leaf = TestPki.client("CN=under a non-CA", notACa);
        String reason = invalid(List.of(leaf.cert(), notACa.cert()));
        assertTrue(reason.startsWith("certificate chain rejected by PKIX validation at CN=Not A CA,O=Portcullis: "), reason);
        assertTrue(reason.contains("basic constraints"), reason);
    }

    @Test
    void aCaOnACurveTheJdkDoesNotVerifyOnIsStillRefused() throws Exception {
        // Bouncy Castle verifies secp256k1, SunEC on JDK 17 does not: the verdict stays the JDK's.
        Issued k1 = TestPki.rootCaOnCurve("CN=secp256k1 CA", "secp256k1");
        Issued leaf = TestPki.client("CN=k1 client", k1);
        leaf.cert().verify(k1.cert().getPublicKey(), new BouncyCastleProvider());
        assertEquals("the signature of CN=k1 client does not verify with the configured CA CN=secp256k1 CA ("
                + ClientCertificateValidator.describe(leaf.cert()) + ")", invalid(List.of(leaf.cert()), trust(k1.cert())));
    }

    private static Verdict.Valid valid(List<X509Certificate> chain) {
        Verdict verdict = ClientCertificateValidator.validate(chain, trust, TestPki.NOW);
        if (verdict instanceof Verdict.Invalid invalid) {
            fail("rejected: " + invalid.reason());
        }
        return assertInstanceOf(Verdict.Valid.class, verdict);
    }

    private static String invalid(List<X509Certificate> chain) {
        return invalid(chain, trust);
    }

    private static String invalid(List<X509Certificate> chain, TrustMaterial trust) {
        return assertInstanceOf(Verdict.Invalid.class, ClientCertificateValidator.validate(chain, trust, TestPki.NOW)).reason();
    }

    private static TrustMaterial trust(X509Certificate... cas) {
        return new TrustMaterial(Path.of("ca.pem"), List.of(cas), Optional.empty(), Optional.empty(), Map.of(),
                Optional.empty(), "caFile", "crlFile");
    }
}
