package io.portcullis.protocol.tls;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * Bouncy Castle client callbacks: used to test the server in memory. It records the
 * server chain without judging it; the caller validates {@link #peerChain()}.
 */
final class OpenVpnTlsClient extends DefaultTlsClient implements TlsPeerState {

    private final JcaTlsCrypto crypto;
    private final io.portcullis.protocol.tls.TlsCredentials own;
    private volatile boolean handshakeComplete;
    private java.util.Map<String, byte[]> exported = java.util.Map.of();
    private List<X509Certificate> peerChain = List.of();

    OpenVpnTlsClient(JcaTlsCrypto crypto, io.portcullis.protocol.tls.TlsCredentials own) {
        super(crypto);
        this.crypto = crypto;
        this.own = own;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return TlsPeerSupport.VERSIONS;
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsPeerSupport.cipherSuites(crypto, null);
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                peerChain = TlsPeerSupport.toX509(crypto, serverCertificate.getCertificate());
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                return own == null ? null : TlsPeerSupport.signer(context, crypto, own);
            }
        };
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        exported = TlsPeerSupport.exportAll(context);
        handshakeComplete = true;
    }

    @Override
    public boolean handshakeComplete() {
        return handshakeComplete;
    }

    @Override
    public java.util.Map<String, byte[]> exported() {
        return exported;
    }

    @Override
    public void forgetExported() {
        exported = TlsPeerSupport.wiped(exported);
    }

    @Override
    public List<X509Certificate> peerChain() {
        return peerChain;
    }

    @Override
    public TlsContext tlsContext() {
        return context;
    }
}
