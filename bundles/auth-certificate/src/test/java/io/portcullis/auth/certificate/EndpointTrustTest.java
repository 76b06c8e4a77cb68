package io.portcullis.auth.certificate;

import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.auth.certificate.TestPki.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/** Requests naming their endpoint's client CA and CRL: one trust set per (CA file, CRL file). */
class EndpointTrustTest {

    private static Issued caA;
    private static Issued caB;
    private static Issued aliceOfA;
    private static Issued bobOfB;

    @TempDir
    Path dir;
    private long mtime = System.currentTimeMillis();
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord record) { logged.add(record); }
        @Override public void flush() { }
        @Override public void close() { }
    };

    @BeforeAll
    static void pki() {
        caA = TestPki.rootCa("CN=Endpoint A CA,O=Portcullis");
        caB = TestPki.rootCa("CN=Endpoint B CA,O=Portcullis");
        aliceOfA = TestPki.client("CN=alice,OU=a-users", caA);
        bobOfB = TestPki.client("CN=bob,OU=b-users", caB);
    }

    @BeforeEach
    void listen() {
        Logger.getLogger(TrustFiles.class.getName()).addHandler(capture);
        Logger.getLogger(CertificateAuthenticator.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(TrustFiles.class.getName()).removeHandler(capture);
        Logger.getLogger(CertificateAuthenticator.class.getName()).removeHandler(capture);
    }

    @Test
    void eachEndpointTrustsItsOwnCa() throws Exception {
        Path a = write("a/ca.pem", TestPki.pem(caA.cert()));
        Path b = write("b/ca.pem", TestPki.pem(caB.cert()));
        // The configured caFile does not exist: requests name their own CA, so it is never read.
        var authenticator = authenticator("missing-ca.pem", "", Clock.systemUTC());

        assertEquals("alice", accepted(authenticator.authenticate(request("a", aliceOfA, a, null))).user().name());
        assertEquals("bob", accepted(authenticator.authenticate(request("b", bobOfB, b, null))).user().name());
        String reason = rejected(authenticator.authenticate(request("b", aliceOfA, b, null)));
        assertTrue(reason.startsWith("not issued by the configured CA: issuer CN=Endpoint A CA"), reason);
        reason = rejected(authenticator.authenticate(request("a", bobOfB, a, null)));
        assertTrue(reason.startsWith("not issued by the configured CA: issuer CN=Endpoint B CA"), reason);
        assertEquals("CN=Endpoint A CA,O=Portcullis",
                accepted(authenticator.authenticate(request("a", aliceOfA, a, null))).user().attributes().get("certificate.ca"));

        assertEquals(3, authenticator.trustSets(), "the configured set and one per CA file");
        authenticator.checkFiles();
        authenticator.checkFiles();
        assertTrue(logged.stream().noneMatch(r -> r.getMessage().contains("missing-ca.pem")),
                "the unused configured caFile is not complained about");
    }

    @Test
    void aRequestWithoutEndpointSettingsUsesTheConfiguredCaFile() throws Exception {
        write("ca.pem", TestPki.pem(caA.cert()));
        Path b = write("b/ca.pem", TestPki.pem(caB.cert()));
        var authenticator = authenticator("ca.pem", "", Clock.systemUTC());

        accepted(authenticator.authenticate(request("legacy", aliceOfA, null, null)));
        assertTrue(rejected(authenticator.authenticate(request("legacy", bobOfB, null, null)))
                .startsWith("not issued by the configured CA: issuer CN=Endpoint B CA"));
        accepted(authenticator.authenticate(request("b", bobOfB, b, null)));
        assertTrue(rejected(authenticator.authenticate(request("b", aliceOfA, b, null)))
                .startsWith("not issued by the configured CA"));
        // Naming the configured file itself shares the configured trust set.
        accepted(authenticator.authenticate(request("a", aliceOfA, dir.resolve("ca.pem"), null)));
        assertEquals(2, authenticator.trustSets());
    }

    @Test
    void anEndpointsCrlRevokesForThatEndpointOnly() throws Exception {
        Issued carol = TestPki.client("CN=carol", caA);
        Path ca = write("ca.pem", TestPki.pem(caA.cert()));
        Path crl = write("a/crl.pem", TestPki.pem("X509 CRL", TestPki.crl(caA, Map.of(carol.cert().getSerialNumber(), 1))));
        var authenticator = authenticator("missing.pem", "", Clock.systemUTC());

        String reason = rejected(authenticator.authenticate(request("a", carol, ca, crl)));
        assertTrue(reason.startsWith("certificate revoked on "), reason);
        assertTrue(reason.contains("(keyCompromise) by the CRL of CN=Endpoint A CA"), reason);
        accepted(authenticator.authenticate(request("a", aliceOfA, ca, crl)));
        // Endpoint B trusts the same CA without a CRL.
        accepted(authenticator.authenticate(request("b", carol, ca, null)));
    }

    @Test
    void updatingAnEndpointsCrlEndsThatEndpointsLiveSessions() throws Exception {
        Issued dave = TestPki.client("CN=dave", caA);
        Path ca = write("ca.pem", TestPki.pem(caA.cert()));
        Path crlA = write("a/crl.der", TestPki.crl(caA, Map.of()));
        Path crlB = write("b/crl.der", TestPki.crl(caA, Map.of()));
        var authenticator = authenticator("missing.pem", "", Clock.systemUTC());
        var daveOnA = accepted(authenticator.authenticate(request("a", dave, ca, crlA)));
        var aliceOnA = accepted(authenticator.authenticate(request("a", aliceOfA, ca, crlA)));
        var daveOnB = accepted(authenticator.authenticate(request("b", dave, ca, crlB)));
        var daveOnC = accepted(authenticator.authenticate(request("c", dave, ca, null)));
        assertEquals(4, authenticator.watchedCertificates());

        // A broken CRL is refused; the one before stays and revokes nothing.
        write("a/crl.der", "-----BEGIN X509 CRL-----\nnot base64 at all!\n");
        authenticator.checkFiles();
        assertFalse(daveOnA.revocation().toCompletableFuture().isDone());
        assertTrue(logged.stream().anyMatch(r -> r.getMessage().startsWith("clientCertificateRevocationList: " + crlA)
                && r.getMessage().contains("the CRL loaded before stays in force")));

        write("a/crl.der", TestPki.crl(caA, Map.of(dave.cert().getSerialNumber(), 4), TestPki.NOW.minusSeconds(60)));
        authenticator.checkFiles();

        String reason = daveOnA.revocation().toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertTrue(reason.startsWith("certificate serial 0x" + dave.cert().getSerialNumber().toString(16)
                + " revoked by the CRL of CN=Endpoint A CA"), reason);
        assertFalse(aliceOnA.revocation().toCompletableFuture().isDone());
        assertFalse(daveOnB.revocation().toCompletableFuture().isDone(), "endpoint B has its own CRL");
        assertFalse(daveOnC.revocation().toCompletableFuture().isDone(), "endpoint C has no CRL");
        assertEquals(3, authenticator.watchedCertificates());
        assertTrue(rejected(authenticator.authenticate(request("a", dave, ca, crlA))).contains("(superseded)"));
        accepted(authenticator.authenticate(request("b", dave, ca, crlB)));
    }

    @Test
    void anEndpointsMissingOrBrokenFilesFailWithTheirPath() throws Exception {
        write("ca.pem", TestPki.pem(caA.cert()));
        var authenticator = authenticator("ca.pem", "", Clock.systemUTC());

        Path missing = dir.resolve("a/ca.pem");
        assertEquals("clientRootCertificateChain: " + missing + " does not exist",
                failure(authenticator.authenticate(request("a", aliceOfA, missing, null))));
        // The file appears: the next request reads it, without waiting for the timer.
        write("a/ca.pem", TestPki.pem(caA.cert()));
        accepted(authenticator.authenticate(request("a", aliceOfA, missing, null)));

        Path broken = write("b/ca.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        String message = failure(authenticator.authenticate(request("b", bobOfB, broken, null)));
        assertTrue(message.startsWith("clientRootCertificateChain: " + broken), message);

        Path ca = dir.resolve("ca.pem");
        Path missingCrl = dir.resolve("b/crl.pem");
        assertEquals("clientCertificateRevocationList: " + missingCrl + " does not exist",
                failure(authenticator.authenticate(request("b", aliceOfA, ca, missingCrl))));
        Path foreignCrl = write("c/crl.pem", TestPki.pem("X509 CRL", TestPki.crl(caB, Map.of())));
        message = failure(authenticator.authenticate(request("c", aliceOfA, ca, foreignCrl)));
        assertTrue(message.startsWith("clientCertificateRevocationList: " + foreignCrl), message);

        Path crl = write("d/crl.pem", TestPki.pem("X509 CRL", TestPki.crl(caA, Map.of())));
        message = failure(authenticator.authenticate(request("d", aliceOfA, null, crl)));
        assertTrue(message.contains("clientCertificateRevocationList " + crl + " is set without clientRootCertificateChain"),
                message);
        message = failure(authenticator.authenticate(request("e", aliceOfA, Path.of("relative/ca.pem"), null)));
        assertTrue(message.contains("'relative/ca.pem' is not an absolute path"), message);
    }

    @Test
    void anUnusedTrustSetIsDroppedOnceItHasNoLiveSession() throws Exception {
        Path a = write("a/ca.pem", TestPki.pem(caA.cert()));
        Path b = write("b/ca.pem", TestPki.pem(caB.cert()));
        var clock = new MutableClock(Instant.now());
        var authenticator = authenticator("missing.pem", "", clock);
        var session = accepted(authenticator.authenticate(request("a", aliceOfA, a, null)));
        accepted(authenticator.authenticate(request("b", bobOfB, b, null)));
        assertEquals(3, authenticator.trustSets());

        clock.advance(Duration.ofMinutes(30));
        authenticator.checkFiles();
        assertEquals(3, authenticator.trustSets(), "used within the hour");

        clock.advance(Duration.ofMinutes(31));
        authenticator.checkFiles();
        assertEquals(3, authenticator.trustSets(), "the sessions accepted against them are live");

        session.revocation().toCompletableFuture().cancel(false);
        authenticator.checkFiles();
        assertEquals(2, authenticator.trustSets(), "A is idle with no live session; B still has one");

        // The next request of A reads the file afresh.
        accepted(authenticator.authenticate(request("a", aliceOfA, a, null)));
        assertEquals(3, authenticator.trustSets());
    }

    private CertificateAuthenticator authenticator(String caFile, String crlFile, Clock clock) {
        return new CertificateAuthenticator(CertificateAuthenticatorSettings.from(
                CertificateAuthenticatorTest.config(caFile, crlFile, "OU", 60), dir), clock, false);
    }

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes in place and moves the modification time on, as an operator's copy would. */
    private Path write(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        mtime += 2000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
        return file;
    }

    private static AuthenticationRequest request(String endpoint, Issued client, Path ca, Path crl) {
        Map<String, String> settings = new HashMap<>();
        settings.put("endpointId", endpoint);
        if (ca != null) {
            settings.put(AuthenticationRequest.CLIENT_ROOT_CERTIFICATE_CHAIN, ca.toString());
        }
        if (crl != null) {
            settings.put(AuthenticationRequest.CLIENT_CERTIFICATE_REVOCATION_LIST, crl.toString());
        }
        List<X509Certificate> chain = List.of(client.cert());
        return new AuthenticationRequest(endpoint, "c-" + endpoint, new InetSocketAddress("198.51.100.7", 50000), chain,
                Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                ca == null && crl == null ? Map.of() : settings);
    }

    private static AuthenticationResult.Accepted accepted(CompletionStage<AuthenticationResult> stage) throws Exception {
        CompletableFuture<AuthenticationResult> future = stage.toCompletableFuture();
        assertTrue(future.isDone(), "authenticate() must return a completed stage");
        AuthenticationResult result = future.get();
        if (result instanceof AuthenticationResult.Rejected rejected) {
            fail("rejected: " + rejected.reason());
        }
        return assertInstanceOf(AuthenticationResult.Accepted.class, result);
    }

    private static String rejected(CompletionStage<AuthenticationResult> stage) throws Exception {
        CompletableFuture<AuthenticationResult> future = stage.toCompletableFuture();
        assertTrue(future.isDone(), "authenticate() must return a completed stage");
        return assertInstanceOf(AuthenticationResult.Rejected.class, future.get()).reason();
    }

    private static String failure(CompletionStage<AuthenticationResult> stage) {
        CompletableFuture<AuthenticationResult> future = stage.toCompletableFuture();
        assertTrue(future.isDone(), "authenticate() must return a completed stage");
        return assertThrows(ExecutionException.class, future::get).getCause().getMessage();
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }
}
