package io.portcullis.loadclient;

import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.StaticKey;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away EC P-256 PKI for the tests: the server's credentials in memory, and the files a
 * stock client profile names (ca.crt, client.crt, client.key as PKCS#8, tls-crypt.key).
 */
final class TestPkiFiles {

    final TlsCredentials server;
    final StaticKey tlsCrypt;
    final Path ca;
    final Path clientCert;
    final Path clientKey;
    final Path tlsCryptFile;

    TestPkiFiles(Path dir) throws Exception {
        KeyPair caKeys = ec();
        X509Certificate caCert = cert("CN=Load Test CA", caKeys, "CN=Load Test CA", caKeys, null);
        KeyPair s = ec();
        server = new TlsCredentials(List.of(cert("CN=server", s, "CN=Load Test CA", caKeys,
                KeyPurposeId.id_kp_serverAuth), caCert), s.getPrivate());
        KeyPair c = ec();
        X509Certificate client = cert("CN=load1", c, "CN=Load Test CA", caKeys, KeyPurposeId.id_kp_clientAuth);
        tlsCrypt = StaticKey.generate(new SecureRandom());
        Files.createDirectories(dir);
        ca = write(dir.resolve("ca.crt"), pem("CERTIFICATE", caCert.getEncoded()));
        clientCert = write(dir.resolve("client.crt"), pem("CERTIFICATE", client.getEncoded()));
        clientKey = write(dir.resolve("client.key"), pem("PRIVATE KEY", c.getPrivate().getEncoded()));
        tlsCryptFile = write(dir.resolve("tls-crypt.key"), "# 2048 bit OpenVPN static key\n" + tlsCrypt.toText());
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static Path write(Path p, String text) throws IOException {
        return Files.writeString(p, text, StandardCharsets.US_ASCII);
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate cert(String subject, KeyPair keys, String issuer, KeyPair issuerKeys,
            KeyPurposeId eku) throws Exception {
        Date now = new Date();
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(System.nanoTime()),
                new Date(now.getTime() - 60_000), new Date(now.getTime() + 86_400_000L), new X500Name(subject),
                keys.getPublic());
        if (eku == null) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
