package io.portcullis.protocol.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
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

/** A throw-away EC P-256 CA with a server and a client certificate, as OpenVPN expects them. */
public final class TestPki {

    public final TlsCredentials server;
    public final TlsCredentials client;
    public final X509Certificate ca;

    public TestPki() {
        try {
            KeyPair caKeys = ec();
            ca = cert("CN=Test CA", caKeys, "CN=Test CA", caKeys, null);
            KeyPair s = ec();
            server = new TlsCredentials(List.of(cert("CN=server", s, "CN=Test CA", caKeys, KeyPurposeId.id_kp_serverAuth), ca),
                    s.getPrivate());
            KeyPair c = ec();
            client = new TlsCredentials(List.of(cert("CN=alice", c, "CN=Test CA", caKeys, KeyPurposeId.id_kp_clientAuth), ca),
                    c.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
