package io.portcullis.endpoint.pki;

import io.portcullis.protocol.wrap.StaticKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Makes a working PKI on first start so the shipped configuration boots: a CA, a server
 * certificate, a tls-crypt key and one client certificate, EC P-256, every file owner-only.
 * It only ever creates files that are all missing; it never overwrites an operator's file.
 */
public final class FirstBootPki {

    /** The files the endpoint reads, as configured; no tls-crypt key without control-channel protection. */
    public record Files(Path caCertificate, Path serverCertificate, Path serverKey, java.util.Optional<Path> tlsCryptKey) {
        List<Path> all() {
            List<Path> all = new java.util.ArrayList<>(List.of(caCertificate, serverCertificate, serverKey));
            tlsCryptKey.ifPresent(all::add);
            return all;
        }
    }

    private static final Duration CA_LIFETIME = Duration.ofDays(3650);
    private static final Duration LEAF_LIFETIME = Duration.ofDays(825);

    private final SecureRandom random;

    public FirstBootPki(SecureRandom random) {
        this.random = random;
    }

    /**
     * Creates the PKI when none of the configured files exist.
     *
     * @return true when it created files, false when they were all there
     * @throws IllegalStateException when some exist and others are missing, naming the missing ones
     */
    public boolean ensure(Files files) throws IOException, GeneralSecurityException {
        List<Path> missing = files.all().stream().filter(p -> !java.nio.file.Files.exists(p)).toList();
        if (missing.isEmpty()) {
            return false;
        }
        if (missing.size() != files.all().size()) {
            throw new IllegalStateException("missing " + missing + " while other PKI files exist; "
                    + "restore them, or remove all of " + files.all() + " to have a new PKI made at start");
        }
        Path clientDir = files.caCertificate().getParent();
        KeyPair caKeys = ecKeys();
        X509CertificateHolder ca = caCertificate(caKeys);
        KeyPair serverKeys = ecKeys();
        X509CertificateHolder server = leaf(ca, caKeys.getPrivate(), "portcullis-server", serverKeys.getPublic(),
                KeyPurposeId.id_kp_serverAuth);
        KeyPair clientKeys = ecKeys();
        X509CertificateHolder client = leaf(ca, caKeys.getPrivate(), "client1", clientKeys.getPublic(),
                KeyPurposeId.id_kp_clientAuth);

        writeOwnerOnly(files.caCertificate(), pem(ca));
        writeOwnerOnly(clientDir.resolve("ca.key"), pem(caKeys.getPrivate()));
        writeOwnerOnly(files.serverCertificate(), pem(server));
        writeOwnerOnly(files.serverKey(), pem(serverKeys.getPrivate()));
        if (files.tlsCryptKey().isPresent()) {
            writeOwnerOnly(files.tlsCryptKey().get(), StaticKey.generate(random).toText());
        }
        writeOwnerOnly(clientDir.resolve("client1.crt"), pem(client));
        writeOwnerOnly(clientDir.resolve("client1.key"), pem(clientKeys.getPrivate()));
        return true;
    }

    private KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private X509CertificateHolder caCertificate(KeyPair keys) throws GeneralSecurityException, IOException {
        X500Name name = new X500Name("CN=Portcullis CA");
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_LIFETIME)), name, keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        return builder.build(signer(keys.getPrivate()));
    }

    private X509CertificateHolder leaf(X509CertificateHolder ca, PrivateKey caKey, String cn, PublicKey key,
                                       KeyPurposeId purpose) throws GeneralSecurityException, IOException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.getSubject(), serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(LEAF_LIFETIME)),
                new X500Name("CN=" + cn), key);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
        builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        return builder.build(signer(caKey));
    }

    private ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random).build(key);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object instanceof PrivateKey key
                    ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null) : object);
        }
        return text.toString();
    }

    private static void writeOwnerOnly(Path path, String content) throws IOException {
        java.nio.file.Files.createDirectories(path.getParent(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        java.nio.file.Files.deleteIfExists(path);
        java.nio.file.Files.createFile(path,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer writer = java.nio.file.Files.newBufferedWriter(path, StandardCharsets.US_ASCII,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writer.write(content);
        }
    }
}
