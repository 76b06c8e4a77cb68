package io.portcullis.protocol.tls;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/** Bouncy Castle server callbacks for the OpenVPN control channel. */
final class OpenVpnTlsServer extends DefaultTlsServer implements TlsPeerState {

    private final JcaTlsCrypto crypto;
    private final io.portcullis.protocol.tls.TlsCredentials own;
    private final ClientCertificatePolicy policy;
    private volatile boolean handshakeComplete;
    private java.util.Map<String, byte[]> exported = java.util.Map.of();
    private List<X509Certificate> peerChain = List.of();

    OpenVpnTlsServer(JcaTlsCrypto crypto, io.portcullis.protocol.tls.TlsCredentials own, ClientCertificatePolicy policy) {
        super(crypto);
        this.crypto = crypto;
        this.own = own;
        this.policy = policy;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return TlsPeerSupport.VERSIONS;
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsPeerSupport.cipherSuites(crypto, own);
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        return TlsPeerSupport.signer(context, crypto, own);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public CertificateRequest getCertificateRequest() throws IOException {
        if (policy == ClientCertificatePolicy.NONE) {
            return null;
        }
        Vector sigAlgs = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
        if (TlsUtils.isTLSv13(context)) {
            return new CertificateRequest(TlsUtils.EMPTY_BYTES, sigAlgs, null, null);
        }
        return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                sigAlgs, null);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
        if (clientCertificate == null || clientCertificate.isEmpty()) {
            if (policy == ClientCertificatePolicy.REQUIRED) {
                throw new TlsFatalAlert(TlsUtils.isTLSv13(context)
                        ? AlertDescription.certificate_required : AlertDescription.handshake_failure);
            }
            return;
        }
        // BC has verified possession (CertificateVerify); chain trust is decided by the caller.
        peerChain = TlsPeerSupport.toX509(crypto, clientCertificate);
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
    public org.bouncycastle.tls.TlsContext tlsContext() {
        return context;
    }
}
