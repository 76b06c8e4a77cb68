package io.portcullis.auth.certificate;

import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.auth.certificate.TestPki.Issued;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class CertificateAuthenticatorTest {

    private static Issued ca;
    private static Issued otherCa;
    private static Issued alice;

    @TempDir
    Path dir;
    private long mtime = System.currentTimeMillis();

    @BeforeAll
    static void pki() {
        ca = TestPki.rootCa("CN=Portcullis Test CA,O=Portcullis");
        otherCa = TestPki.rootCa("CN=Other CA,O=Elsewhere");
        alice = TestPki.client("CN=alice,OU=engineering,OU=vpn-admins,O=Portcullis", ca);
    }

    @Test
    void acceptsAValidClientWithCnAndOuGroups() throws Exception {
        var authenticator = authenticator(ca.cert());
        var accepted = accepted(authenticator.authenticate(request(alice.cert())));
        assertEquals("alice", accepted.user().name());
        assertEquals(Set.of("engineering", "vpn-admins"), accepted.user().groups());
        assertEquals("certificate", accepted.user().authenticator());
        assertEquals("0x" + alice.cert().getSerialNumber().toString(16), accepted.user().attributes().get("certificate.serial"));
        assertEquals(64, accepted.user().attributes().get("certificate.sha256").length());
        assertFalse(accepted.revocation().toCompletableFuture().isDone());
    }

    @Test
    void theGroupAttributeIsConfigurableOrOff() throws Exception {
        writeCas(ca.cert());
        var byOrganisation = new CertificateAuthenticator(settings("ca.pem", "", "O"), Clock.systemUTC(), false);
        assertEquals(Set.of("Portcullis"), accepted(byOrganisation.authenticate(request(alice.cert()))).user().groups());
        var none = new CertificateAuthenticator(settings("ca.pem", "", ""), Clock.systemUTC(), false);
        assertEquals(Set.of(), accepted(none.authenticate(request(alice.cert()))).user().groups());
    }

    @Test
    void rejectsAnExpiredCertificate() throws Exception {
        Instant expiredOn = TestPki.NOW.minus(Duration.ofDays(2));
        Issued expired = TestPki.client("CN=bob", ca, TestPki.NOW.minus(Duration.ofDays(30)), expiredOn,
                List.of(KeyPurposeId.id_kp_clientAuth));
        String reason = rejected(authenticator(ca.cert()).authenticate(request(expired.cert())));
        assertTrue(reason.startsWith("certificate expired on " + expired.cert().getNotAfter().toInstant()), reason);
        assertTrue(reason.contains("CN=bob"), reason);
    }

    @Test
    void rejectsACertificateNotYetValid() throws Exception {
        Issued early = TestPki.client("CN=early", ca, TestPki.NOW.plus(Duration.ofDays(1)), TestPki.NOW.plus(Duration.ofDays(9)),
                List.of(KeyPurposeId.id_kp_clientAuth));
        assertTrue(rejected(authenticator(ca.cert()).authenticate(request(early.cert()))).startsWith("certificate not valid before "));
    }

    @Test
    void rejectsAClientOfAnotherCa() throws Exception {
        Issued stranger = TestPki.client("CN=mallory", otherCa);
        String reason = rejected(authenticator(ca.cert()).authenticate(request(stranger.cert())));
        assertTrue(reason.startsWith("not issued by the configured CA: issuer CN=Other CA,O=Elsewhere"), reason);
    }

    @Test
    void rejectsAForgeryNamingTheConfiguredCa() throws Exception {
        // Same issuer name as the configured CA, signed by another key.
        Issued impostor = TestPki.rootCa(ca.cert().getSubjectX500Principal().getName());
        Issued forged = TestPki.client("CN=alice,OU=vpn-admins", impostor);
        String reason = rejected(authenticator(ca.cert()).authenticate(request(forged.cert())));
        assertTrue(reason.contains("does not verify with the configured CA"), reason);
    }

    @Test
    void rejectsCertificatesWithoutClientAuth() throws Exception {
        var authenticator = authenticator(ca.cert());
        Issued server = TestPki.client("CN=vpn.example.org", ca, TestPki.NOW.minus(Duration.ofDays(1)),
                TestPki.NOW.plus(Duration.ofDays(30)), List.of(KeyPurposeId.id_kp_serverAuth));
        String reason = rejected(authenticator.authenticate(request(server.cert())));
        assertTrue(reason.startsWith("no clientAuth extended key usage (it allows serverAuth)"), reason);

        Issued noEku = TestPki.client("CN=carol", ca, TestPki.NOW.minus(Duration.ofDays(1)),
                TestPki.NOW.plus(Duration.ofDays(30)), null);
        assertTrue(rejected(authenticator.authenticate(request(noEku.cert())))
                .startsWith("no clientAuth extended key usage (the certificate has no extended key usage extension)"));
    }

    @Test
    void rejectsNoCertificateACaCertificateAndAMissingCn() throws Exception {
        var authenticator = authenticator(ca.cert());
        assertEquals("no client certificate was presented", rejected(authenticator.authenticate(request())));
        assertTrue(rejected(authenticator.authenticate(request(ca.cert())))
                .startsWith("a CA certificate was presented as a client certificate"));
        Issued nameless = TestPki.client("OU=engineering,O=Portcullis", ca);
        assertTrue(rejected(authenticator.authenticate(request(nameless.cert()))).startsWith("certificate subject has no CN"));
    }

    @Test
    void followsIntermediatesTheClientSends() throws Exception {
        Issued intermediate = TestPki.intermediateCa("CN=Portcullis Issuing CA", ca);
        Issued dave = TestPki.client("CN=dave,OU=ops", intermediate);
        var authenticator = authenticator(ca.cert());
        // Out of order, with an unrelated extra certificate: the path is found anyway.
        var accepted = accepted(authenticator.authenticate(request(dave.cert(), otherCa.cert(), intermediate.cert())));
        assertEquals("dave", accepted.user().name());
        assertEquals("CN=Portcullis Test CA,O=Portcullis", accepted.user().attributes().get("certificate.ca"));

        String reason = rejected(authenticator.authenticate(request(dave.cert())));
        assertTrue(reason.startsWith("not issued by the configured CA: issuer CN=Portcullis Issuing CA"), reason);
    }

    @Test
    void rejectsARevokedCertificateWithDateAndReason() throws Exception {
        Issued revoked = TestPki.client("CN=eve", ca);
        writeCrl("crl.pem", TestPki.pem("X509 CRL", TestPki.crl(ca, Map.of(revoked.cert().getSerialNumber(), 1))));
        var authenticator = authenticator("crl.pem", ca.cert());
        String reason = rejected(authenticator.authenticate(request(revoked.cert())));
        assertTrue(reason.startsWith("certificate revoked on "), reason);
        assertTrue(reason.contains("(keyCompromise) by the CRL of CN=Portcullis Test CA"), reason);
        accepted(authenticator.authenticate(request(alice.cert())));
    }

    @Test
    void aRevokedIntermediateRevokesItsClients() throws Exception {
        Issued intermediate = TestPki.intermediateCa("CN=Revoked Issuing CA", ca);
        Issued frank = TestPki.client("CN=frank", intermediate);
        writeCrl("crl.pem", TestPki.pem("X509 CRL", TestPki.crl(ca, Map.of(intermediate.cert().getSerialNumber(), 2))));
        String reason = rejected(authenticator("crl.pem", ca.cert()).authenticate(request(frank.cert(), intermediate.cert())));
        assertTrue(reason.startsWith("issuing CA certificate subject CN=Revoked Issuing CA"), reason);
        assertTrue(reason.contains("(cACompromise)"), reason);
    }

    @Test
    void aCrlReloadEndsTheLiveSessionsItRevokes() throws Exception {
        Issued grace = TestPki.client("CN=grace", ca);
        writeCrl("crl.der", TestPki.crl(ca, Map.of()));
        var authenticator = authenticator("crl.der", ca.cert());
        var graceSession = accepted(authenticator.authenticate(request(grace.cert())));
        var aliceSession = accepted(authenticator.authenticate(request(alice.cert())));
        assertEquals(2, authenticator.watchedCertificates());

        writeCrl("crl.der", TestPki.crl(ca, Map.of(grace.cert().getSerialNumber(), -1), TestPki.NOW.minusSeconds(60)));
        authenticator.checkFiles();

        String reason = graceSession.revocation().toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertTrue(reason.startsWith("certificate serial 0x" + grace.cert().getSerialNumber().toString(16)
                + " revoked by the CRL of CN=Portcullis Test CA"), reason);
        assertFalse(aliceSession.revocation().toCompletableFuture().isDone());
        assertEquals(1, authenticator.watchedCertificates(), "the revoked session is no longer watched");
        assertTrue(rejected(authenticator.authenticate(request(grace.cert()))).startsWith("certificate revoked on"));

        // The endpoint ends alice's session: its watch goes away.
        aliceSession.revocation().toCompletableFuture().cancel(false);
        assertEquals(0, authenticator.watchedCertificates());
    }

    @Test
    void aMalformedNewCrlIsRefusedAndThePreviousStaysInForce() throws Exception {
        Issued revoked = TestPki.client("CN=heidi", ca);
        writeCrl("crl.pem", TestPki.pem("X509 CRL", TestPki.crl(ca, Map.of(revoked.cert().getSerialNumber(), -1))));
        var authenticator = authenticator("crl.pem", ca.cert());
        var session = accepted(authenticator.authenticate(request(alice.cert())));

        byte[] good = TestPki.crl(ca, Map.of(revoked.cert().getSerialNumber(), -1, alice.cert().getSerialNumber(), -1));
        good[good.length - 5] ^= 0x55; // breaks the signature
        writeCrl("crl.pem", TestPki.pem("X509 CRL", good));
        authenticator.checkFiles();
        assertFalse(session.revocation().toCompletableFuture().isDone(), "a CRL that fails its signature revokes nothing");

        writeCrl("crl.pem", "-----BEGIN X509 CRL-----\nnot base64 at all!\n");
        authenticator.checkFiles();
        writeCrl("crl.pem", TestPki.pem("X509 CRL", TestPki.crl(otherCa, Map.of(alice.cert().getSerialNumber(), -1))));
        authenticator.checkFiles();
        assertFalse(session.revocation().toCompletableFuture().isDone(), "another CA's CRL is not taken");

        assertTrue(authenticator.trust().crlInForce());
        assertTrue(rejected(authenticator.authenticate(request(revoked.cert()))).startsWith("certificate revoked on"));
        accepted(authenticator.authenticate(request(alice.cert())));
    }

    @Test
    void withoutAUsableCrlOrCaTheAuthenticatorFailsRatherThanRejects() throws Exception {
        writeCrl("crl.pem", TestPki.pem("X509 CRL", TestPki.crl(otherCa, Map.of())));
        var noCrl = authenticator("crl.pem", ca.cert());
        var failure = assertThrows(ExecutionException.class,
                () -> noCrl.authenticate(request(alice.cert())).toCompletableFuture().get());
        assertTrue(failure.getCause().getMessage().startsWith("crlFile: "), failure.getCause().getMessage());
        assertTrue(failure.getCause().getMessage().contains("not a configured CA"), failure.getCause().getMessage());

        // The CA file appears later: the next check loads it.
        var noCa = new CertificateAuthenticator(settings("missing-ca.pem", "", "OU"), Clock.systemUTC(), false);
        failure = assertThrows(ExecutionException.class,
                () -> noCa.authenticate(request(alice.cert())).toCompletableFuture().get());
        assertEquals("caFile: " + dir.resolve("missing-ca.pem") + " does not exist", failure.getCause().getMessage());
        Files.writeString(dir.resolve("missing-ca.pem"), TestPki.pem(ca.cert()));
        noCa.checkFiles();
        accepted(noCa.authenticate(request(alice.cert())));
    }

    @Test
    void aClientWhoseIssuerHasNoCrlIsRefusedWhenACrlFileIsSet() throws Exception {
        Issued stranger = TestPki.client("CN=ivan", otherCa);
        writeCrl("crl.pem", TestPki.pem("X509 CRL", TestPki.crl(ca, Map.of())));
        var authenticator = authenticator("crl.pem", ca.cert(), otherCa.cert());
        String reason = rejected(authenticator.authenticate(request(stranger.cert())));
        assertTrue(reason.startsWith("revocation cannot be checked: crlFile has no CRL from the issuer CN=Other CA"), reason);
        accepted(authenticator.authenticate(request(alice.cert())));
    }

    @Test
    void severalCasAndCrlsInOneFile() throws Exception {
        Issued judy = TestPki.client("CN=judy", otherCa);
        Issued ken = TestPki.client("CN=ken", ca);
        writeCrl("crls.pem", TestPki.pem("X509 CRL", TestPki.crl(ca, Map.of(ken.cert().getSerialNumber(), 5)))
                + TestPki.pem("X509 CRL", TestPki.crl(otherCa, Map.of())));
        var authenticator = authenticator("crls.pem", ca.cert(), otherCa.cert());
        assertEquals(2, authenticator.trust().cas().size());
        assertEquals(2, authenticator.trust().crls().size());
        accepted(authenticator.authenticate(request(judy.cert())));
        assertTrue(rejected(authenticator.authenticate(request(ken.cert()))).contains("(cessationOfOperation)"));
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertRefused("caFile:", config(" ", "", "OU", 60));
        assertRefused("groupAttribute:", config("ca.pem", "", "NOPE", 60));
        assertRefused("crlCheckIntervalSeconds:", config("ca.pem", "", "OU", 0));
        var settings = CertificateAuthenticatorSettings.from(config("etc/ca.pem", "/abs/crl.pem", "2.5.4.11", 5), dir);
        assertEquals(dir.resolve("etc/ca.pem"), settings.caFile());
        assertEquals(Optional.of(Path.of("/abs/crl.pem")), settings.crlFile());
    }

    @Test
    void aCaFileMustHoldCaCertificates() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), TestPki.pem(alice.cert()));
        var authenticator = new CertificateAuthenticator(settings("ca.pem", "", "OU"), Clock.systemUTC(), false);
        assertTrue(authenticator.trust().caProblem().orElseThrow().contains("is not a CA certificate"));
    }

    private void assertRefused(String prefix, CertificateAuthenticatorConfig config) {
        String message = assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthenticatorSettings.from(config, dir)).getMessage();
        assertTrue(message.startsWith(prefix), message);
    }

    private CertificateAuthenticator authenticator(X509Certificate... cas) throws IOException {
        return authenticator("", cas);
    }

    private CertificateAuthenticator authenticator(String crlFile, X509Certificate... cas) throws IOException {
        writeCas(cas);
        return new CertificateAuthenticator(settings("ca.pem", crlFile, "OU"), Clock.systemUTC(), false);
    }

    private void writeCas(X509Certificate... cas) throws IOException {
        Files.writeString(dir.resolve("ca.pem"), TestPki.pem(cas));
    }

    private void writeCrl(String name, String pem) throws IOException {
        writeCrl(name, pem.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes in place and moves the modification time on, as an operator's copy would. */
    private void writeCrl(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        mtime += 2000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
    }

    private CertificateAuthenticatorSettings settings(String caFile, String crlFile, String groupAttribute) {
        return CertificateAuthenticatorSettings.from(config(caFile, crlFile, groupAttribute, 60), dir);
    }

    static CertificateAuthenticatorConfig config(String caFile, String crlFile, String groupAttribute, int interval) {
        return new CertificateAuthenticatorConfig() {
            @Override public Class<? extends Annotation> annotationType() { return CertificateAuthenticatorConfig.class; }
            @Override public String caFile() { return caFile; }
            @Override public String crlFile() { return crlFile; }
            @Override public String groupAttribute() { return groupAttribute; }
            @Override public int crlCheckIntervalSeconds() { return interval; }
        };
    }

    private static AuthenticationRequest request(X509Certificate... chain) {
        return new AuthenticationRequest("corp", "c-1", new InetSocketAddress("198.51.100.7", 50000), List.of(chain),
                Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Map.of());
    }

    private static AuthenticationResult.Accepted accepted(java.util.concurrent.CompletionStage<AuthenticationResult> stage)
            throws Exception {
        CompletableFuture<AuthenticationResult> future = stage.toCompletableFuture();
        assertTrue(future.isDone(), "authenticate() must return a completed stage");
        AuthenticationResult result = future.get();
        if (result instanceof AuthenticationResult.Rejected rejected) {
            fail("rejected: " + rejected.reason());
        }
        return assertInstanceOf(AuthenticationResult.Accepted.class, result);
    }

    private static String rejected(java.util.concurrent.CompletionStage<AuthenticationResult> stage) throws Exception {
        CompletableFuture<AuthenticationResult> future = stage.toCompletableFuture();
        assertTrue(future.isDone(), "authenticate() must return a completed stage");
        AuthenticationResult.Rejected rejected = assertInstanceOf(AuthenticationResult.Rejected.class, future.get());
        assertEquals("authentication failed", rejected.clientMessage(), "the client learns nothing specific");
        return rejected.reason();
    }
}
