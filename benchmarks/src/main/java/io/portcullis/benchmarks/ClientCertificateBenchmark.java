package io.portcullis.benchmarks;

import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.auth.certificate.CertificateAuthenticator;
import io.portcullis.auth.certificate.CertificateAuthenticatorConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The {@code certificate} authenticator's check of a client's chain, once per handshake, through
 * its public entry point {@link CertificateAuthenticator#authenticate}: chain search, the JDK's PKIX
 * validation, CN and groups, the fingerprint and the live-session watch (released again). EC P-256
 * keys, SHA256withECDSA, as the appliance's own PKI issues them.
 * <p>
 * Every operation takes a leaf never validated before, parsed from DER as the TLS layer hands it
 * over: the ring holds {@value #LEAVES} distinct leaves, more than the JDK's certificate cache keeps
 * (750, least recently used first), so no leaf comes back as an object whose signature the JDK has
 * already verified and remembered. The issuing CA, when sent ({@link #intermediates} = 1), is parsed
 * each time too but is the same certificate every time, as for a real population of clients.
 * <ul>
 * <li>{@link #authenticate}: parse and authenticate (microseconds per handshake);
 * <li>{@link #parseOnly}: the parse alone, to subtract.
 * </ul>
 * The set-up checks that a leaf is accepted and that one with a broken signature is refused, so a
 * validator that lets anything through fails the run instead of being measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClientCertificateBenchmark {

    static final int LEAVES = 1024;

    /** Intermediate CAs between the leaf and the configured CA: 0, or 1 sent along by the client. */
    @Param({"0", "1"})
    public int intermediates;

    private Path directory;
    private CertificateAuthenticator authenticator;
    private CertificateFactory factory;
    private final byte[][] leaves = new byte[LEAVES][];
    private byte[] intermediate;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        BouncyCastleProvider bc = new BouncyCastleProvider(); // signs the set-up's certificates quickly
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair rootKeys = generator.generateKeyPair();
        KeyPair issuingKeys = generator.generateKeyPair();
        KeyPair leafKeys = generator.generateKeyPair();
        X500Name rootName = new X500Name("CN=Benchmark Root CA,O=Portcullis");
        X500Name issuingName = new X500Name("CN=Benchmark Issuing CA,O=Portcullis");

        byte[] root = sign(ca(rootName, rootName, rootKeys.getPublic(), 1), rootKeys, bc);
        intermediate = sign(ca(rootName, issuingName, issuingKeys.getPublic(), 2), rootKeys, bc);
        KeyPair leafIssuer = intermediates == 0 ? rootKeys : issuingKeys;
        X500Name leafIssuerName = intermediates == 0 ? rootName : issuingName;
        for (int i = 0; i < LEAVES; i++) {
            leaves[i] = sign(leaf(leafIssuerName, "CN=client-" + i + ",OU=benchmark", leafKeys.getPublic(), 1000 + i),
                    leafIssuer, bc);
        }

        directory = Files.createTempDirectory("portcullis-client-certificate-benchmark");
        Path caFile = directory.resolve("ca.pem");
        Files.writeString(caFile, pem(root), StandardCharsets.US_ASCII);
        authenticator = new CertificateAuthenticator(config(caFile.toString()));
        factory = CertificateFactory.getInstance("X.509");

        byte[] broken = leaves[0].clone();
        broken[broken.length - 1] ^= 0x01; // the last byte of the signature
        if (result(broken) instanceof AuthenticationResult.Accepted) {
            throw new IllegalStateException("a leaf with a broken signature was accepted");
        }
        if (!(result(leaves[0]) instanceof AuthenticationResult.Accepted accepted)) {
            throw new IllegalStateException("a valid leaf was refused: " + result(leaves[0]));
        }
        accepted.revocation().toCompletableFuture().cancel(false);
        next = 1;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(directory.resolve("ca.pem"));
        Files.deleteIfExists(directory);
    }

    @Benchmark
    public AuthenticationResult authenticate() throws GeneralSecurityException {
        AuthenticationResult result = result(nextLeaf());
        if (!(result instanceof AuthenticationResult.Accepted accepted)) {
            throw new IllegalStateException("refused: " + result);
        }
        // The session ends at once: the authenticator stops watching it, nothing piles up.
        accepted.revocation().toCompletableFuture().cancel(false);
        return result;
    }

    @Benchmark
    public List<X509Certificate> parseOnly() throws GeneralSecurityException {
        return chain(nextLeaf());
    }

    private byte[] nextLeaf() {
        byte[] der = leaves[next];
        next = (next + 1) % LEAVES;
        return der;
    }

    private AuthenticationResult result(byte[] leaf) throws GeneralSecurityException {
        var request = new AuthenticationRequest("benchmark", "c-1", new InetSocketAddress("198.51.100.7", 50000),
                chain(leaf), Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Map.of());
        return authenticator.authenticate(request).toCompletableFuture().join();
    }

    private List<X509Certificate> chain(byte[] leaf) throws GeneralSecurityException {
        List<X509Certificate> chain = new ArrayList<>(2);
        chain.add(parse(leaf));
        if (intermediates > 0) {
            chain.add(parse(intermediate));
        }
        return chain;
    }

    private X509Certificate parse(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
    }

    private static X509v3CertificateBuilder ca(X500Name issuer, X500Name subject, PublicKey key, long serial)
            throws IOException {
        var builder = builder(issuer, subject, key, serial);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return builder;
    }

    private static X509v3CertificateBuilder leaf(X500Name issuer, String subject, PublicKey key, long serial)
            throws IOException {
        var builder = builder(issuer, new X500Name(subject), key, serial);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        return builder;
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, long serial) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(365))), subject, key);
    }

    private static byte[] sign(X509v3CertificateBuilder builder, KeyPair issuer, BouncyCastleProvider bc)
            throws IOException, OperatorCreationException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").setProvider(bc).build(issuer.getPrivate());
        return builder.build(signer).getEncoded();
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }

    private static CertificateAuthenticatorConfig config(String caFile) {
        return new CertificateAuthenticatorConfig() {
            @Override public Class<? extends Annotation> annotationType() { return CertificateAuthenticatorConfig.class; }
            @Override public String caFile() { return caFile; }
            @Override public String crlFile() { return ""; }
            @Override public String groupAttribute() { return "OU"; }
            @Override public int crlCheckIntervalSeconds() { return 3600; }
        };
    }
}
