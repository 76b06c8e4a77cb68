package io.portcullis.protocol.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A certificate chain (leaf first) and its private key (EC P-256 or RSA). */
public record TlsCredentials(List<X509Certificate> chain, PrivateKey privateKey) {

    public TlsCredentials {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    @Override
    public String toString() {
        return "TlsCredentials[" + chain.get(0).getSubjectX500Principal() + ", key=***]";
    }
}
