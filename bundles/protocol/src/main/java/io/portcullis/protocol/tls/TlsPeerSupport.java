package io.portcullis.protocol.tls;

import java.io.IOException;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/** Settings and conversions shared by the control-channel TLS server and client. */
final class TlsPeerSupport {

    /** TLS 1.3 preferred, 1.2 minimum (OpenVPN 2.6's default tls-version-min). */
    static final ProtocolVersion[] VERSIONS = ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);

    private static final int[] TLS13_SUITES = {
        CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_128_GCM_SHA256,
    };
    private static final int[] TLS12_ECDSA_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    };
    private static final int[] TLS12_RSA_SUITES = {
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    };

    private TlsPeerSupport() {
    }

    /** AEAD suites only; for TLS 1.2 only those matching the key type (null key: offer all). */
    static int[] cipherSuites(JcaTlsCrypto crypto, TlsCredentials own) {
        List<Integer> all = new ArrayList<>();
        for (int s : TLS13_SUITES) {
            all.add(s);
        }
        boolean ec = own != null && own.privateKey() instanceof ECPrivateKey;
        if (own == null || ec) {
            for (int s : TLS12_ECDSA_SUITES) {
                all.add(s);
            }
        }
        if (own == null || !ec) {
            for (int s : TLS12_RSA_SUITES) {
                all.add(s);
            }
        }
        return TlsUtils.getSupportedCipherSuites(crypto, all.stream().mapToInt(Integer::intValue).toArray());
    }

    static TlsCredentialedSigner signer(TlsContext context, JcaTlsCrypto crypto, TlsCredentials own)
            throws IOException {
        boolean tls13 = TlsUtils.isTLSv13(context);
        TlsCertificate[] certs = new TlsCertificate[own.chain().size()];
        for (int i = 0; i < certs.length; i++) {
            try {
                certs[i] = new JcaTlsCertificate(crypto, own.chain().get(i).getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IOException("cannot encode certificate", e);
            }
        }
        Certificate certificate;
        if (tls13) {
            CertificateEntry[] entries = new CertificateEntry[certs.length];
            for (int i = 0; i < certs.length; i++) {
                entries[i] = new CertificateEntry(certs[i], null);
            }
            certificate = new Certificate(TlsUtils.EMPTY_BYTES, entries);
        } else {
            certificate = new Certificate(certs);
        }
        SignatureAndHashAlgorithm alg = own.privateKey() instanceof ECPrivateKey
                ? SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa)
                : SignatureAndHashAlgorithm.rsa_pss_rsae_sha256;
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, own.privateKey(),
                certificate, alg);
    }

    /** OpenVPN's exporter labels; BC only exports during notifyHandshakeComplete, so all are taken then. */
    static final List<String> EXPORT_LABELS = List.of("EXPORTER-OpenVPN-datakeys", "EXPORTER-OpenVPN-dynamic-tls-crypt");
    static final int EXPORT_LENGTH = 256;

    static java.util.Map<String, byte[]> exportAll(TlsContext context) {
        java.util.Map<String, byte[]> out = new java.util.HashMap<>();
        for (String label : EXPORT_LABELS) {
            try {
                out.put(label, context.exportKeyingMaterial(label, null, EXPORT_LENGTH));
            } catch (RuntimeException e) {
                // TLS 1.2 without extended master secret: no exporter, the caller falls back to the PRF.
            }
        }
        return java.util.Map.copyOf(out);
    }

    /** Zeroes every value of {@code exported}; returns the empty map that replaces it. */
    static java.util.Map<String, byte[]> wiped(java.util.Map<String, byte[]> exported) {
        exported.values().forEach(b -> java.util.Arrays.fill(b, (byte) 0));
        return java.util.Map.of();
    }

    static List<X509Certificate> toX509(JcaTlsCrypto crypto, Certificate certificate) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        if (certificate != null) {
            for (int i = 0; i < certificate.getLength(); i++) {
                out.add(JcaTlsCertificate.convert(crypto, certificate.getCertificateAt(i)).getX509Certificate());
            }
        }
        return List.copyOf(out);
    }
}
