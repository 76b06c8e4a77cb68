package io.portcullis.protocol.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * One TLS session of one key id, in Bouncy Castle's non-blocking mode: feed it the TLS
 * bytes reassembled from P_CONTROL_V1 payloads, send what it outputs in new control
 * packets. TLS 1.2 minimum, 1.3 preferred, AEAD suites only, no resumption.
 * Randomness comes from the injected {@link SecureRandom}. Not thread-safe.
 */
public final class ControlChannelTls {

    private final TlsProtocol protocol;
    private final TlsPeerState peer;
    private boolean failed;

    private ControlChannelTls(TlsProtocol protocol, TlsPeerState peer) {
        this.protocol = protocol;
        this.peer = peer;
    }

    /** A server; it waits for the ClientHello. */
    public static ControlChannelTls server(TlsCredentials credentials, ClientCertificatePolicy policy,
            SecureRandom random) {
        JcaTlsCrypto crypto = HandshakeCrypto.create(random);
        TlsServerProtocol protocol = new TlsServerProtocol();
        OpenVpnTlsServer server = new OpenVpnTlsServer(crypto, credentials, policy);
        try {
            protocol.accept(server);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start TLS server", e);
        }
        return new ControlChannelTls(protocol, server);
    }

    /**
     * A client (for in-memory tests and client-side use); its ClientHello is ready in
     * {@link #takeOutput()}. {@code credentials} may be null for a certificate-less client.
     */
    public static ControlChannelTls client(TlsCredentials credentials, SecureRandom random) {
        JcaTlsCrypto crypto = HandshakeCrypto.create(random);
        TlsClientProtocol protocol = new TlsClientProtocol();
        OpenVpnTlsClient client = new OpenVpnTlsClient(crypto, credentials);
        try {
            protocol.connect(client);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start TLS client", e);
        }
        return new ControlChannelTls(protocol, client);
    }

    /** Processes TLS bytes from the peer. */
    public TlsStep feed(byte[] tlsBytes) {
        if (failed) {
            return new TlsStep.Failed(new byte[0], "TLS session already failed");
        }
        try {
            protocol.offerInput(tlsBytes);
            List<byte[]> app = new ArrayList<>();
            int n = protocol.getAvailableInputBytes();
            if (n > 0) {
                byte[] data = new byte[n];
                protocol.readInput(data, 0, n);
                app.add(data);
            }
            return new TlsStep.Progress(takeOutput(), app, peer.handshakeComplete());
        } catch (IOException | RuntimeException e) {
            // BC reports protocol errors as IOException (alerts); anything else is also fatal here.
            failed = true;
            return new TlsStep.Failed(takeOutput(), String.valueOf(e.getMessage()));
        }
    }

    /** Encrypts one application message as its own TLS record(s); returns the TLS bytes. */
    public TlsStep send(byte[] message) {
        if (failed || !peer.handshakeComplete()) {
            return new TlsStep.Failed(new byte[0], "TLS handshake not complete");
        }
        try {
            protocol.writeApplicationData(message, 0, message.length);
            return new TlsStep.Progress(takeOutput(), List.of(), true);
        } catch (IOException e) {
            failed = true;
            return new TlsStep.Failed(takeOutput(), String.valueOf(e.getMessage()));
        }
    }

    /** TLS bytes waiting to be sent to the peer. */
    public byte[] takeOutput() {
        int n = protocol.getAvailableOutputBytes();
        byte[] out = new byte[n];
        if (n > 0) {
            protocol.readOutput(out, 0, n);
        }
        return out;
    }

    public boolean isHandshakeComplete() {
        return peer.handshakeComplete() && !failed;
    }

    public boolean isFailed() {
        return failed;
    }

    /** The peer's certificate chain, leaf first; empty if none was presented (or not yet). */
    public List<X509Certificate> peerCertificates() {
        return peer.peerChain();
    }

    /** The negotiated protocol version, e.g. "TLSv1.3", once known. */
    public Optional<String> protocolVersion() {
        var v = peer.tlsContext() == null ? null : peer.tlsContext().getServerVersion();
        return Optional.ofNullable(v).map(Object::toString);
    }

    /**
     * RFC 5705/8446 keying material exported without context (what OpenVPN's EKM uses), 256
     * bytes, for the labels {@code EXPORTER-OpenVPN-datakeys} and
     * {@code EXPORTER-OpenVPN-dynamic-tls-crypt}. Empty before the handshake completed, for
     * other labels, or if TLS 1.2 ran without extended master secret (then use the PRF).
     */
    public Optional<byte[]> exportKeyingMaterial(String label) {
        if (!isHandshakeComplete()) {
            return Optional.empty();
        }
        return Optional.ofNullable(peer.exported().get(label)).map(byte[]::clone);
    }

    /** Sends close_notify; returns the TLS bytes to transmit. */
    public byte[] close() {
        try {
            protocol.close();
        } catch (IOException e) {
            failed = true;
        }
        return takeOutput();
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
