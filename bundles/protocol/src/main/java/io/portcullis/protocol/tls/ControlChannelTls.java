package io.portcullis.protocol.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.tls.ByteQueue;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * One TLS session of one key id, in Bouncy Castle's non-blocking mode: feed it the TLS
 * bytes reassembled from P_CONTROL_V1 payloads, send what it outputs in new control
 * packets. TLS 1.2 minimum, 1.3 preferred, AEAD suites only, no resumption.
 * Randomness comes from the injected {@link SecureRandom}. Not thread-safe.
 * <p>
 * A session lives for hours after its handshake, so nothing sized by the handshake is kept:
 * records are offered to BC whole (its one-record path, which never fills BC's own input
 * queue) from a buffer released when empty, and BC's output queue is shrunk once drained.
 */
public final class ControlChannelTls {

    private static final byte[] NONE = new byte[0];

    private final TlsProtocol protocol;
    private final ByteQueue output;
    private final HandshakeCrypto crypto;
    private final TlsPeerState peer;
    private boolean failed;
    /** The start of a record whose end is still in flight; {@link #NONE} between records. */
    private byte[] partial = NONE;

    private ControlChannelTls(TlsProtocol protocol, ByteQueue output, HandshakeCrypto crypto, TlsPeerState peer) {
        this.protocol = protocol;
        this.output = output;
        this.crypto = crypto;
        this.peer = peer;
    }

    /** A server; it waits for the ClientHello. */
    public static ControlChannelTls server(TlsCredentials credentials, ClientCertificatePolicy policy,
            SecureRandom random) {
        HandshakeCrypto crypto = HandshakeCrypto.create(random);
        ServerProtocol protocol = new ServerProtocol();
        OpenVpnTlsServer server = new OpenVpnTlsServer(crypto, credentials, policy);
        try {
            protocol.accept(server);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start TLS server", e);
        }
        return new ControlChannelTls(protocol, protocol.output(), crypto, server);
    }

    /**
     * A client (for in-memory tests and client-side use); its ClientHello is ready in
     * {@link #takeOutput()}. {@code credentials} may be null for a certificate-less client.
     */
    public static ControlChannelTls client(TlsCredentials credentials, SecureRandom random) {
        HandshakeCrypto crypto = HandshakeCrypto.create(random);
        ClientProtocol protocol = new ClientProtocol();
        OpenVpnTlsClient client = new OpenVpnTlsClient(crypto, credentials);
        try {
            protocol.connect(client);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start TLS client", e);
        }
        return new ControlChannelTls(protocol, protocol.output(), crypto, client);
    }

    /** Processes TLS bytes from the peer. */
    public TlsStep feed(byte[] tlsBytes) {
        if (failed) {
            return new TlsStep.Failed(new byte[0], "TLS session already failed");
        }
        try {
            offerRecords(tlsBytes);
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

    /** Offers each complete record on its own; keeps the start of an incomplete one. */
    private void offerRecords(byte[] tlsBytes) throws IOException {
        byte[] buf = tlsBytes;
        if (partial.length > 0) {
            buf = Arrays.copyOf(partial, partial.length + tlsBytes.length);
            System.arraycopy(tlsBytes, 0, buf, partial.length, tlsBytes.length);
        }
        int length = buf.length;
        int off = 0;
        while (length - off >= 5) {
            // BC judges the header (content type, length limit) before the record's end arrives.
            int record = protocol.previewInputRecord(Arrays.copyOfRange(buf, off, off + 5)).getRecordSize();
            if (length - off < record) {
                break;
            }
            protocol.offerInput(buf, off, record);
            off += record;
            if (protocol.isClosed()) {
                off = length; // nothing after close_notify is read, as in BC's own loop
                break;
            }
        }
        partial = off == length ? NONE : Arrays.copyOfRange(buf, off, length);
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
        output.shrink(); // drained: let go of the array the handshake flight grew
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

    /**
     * From now on the record ciphers are built per record and dropped after it. For a session whose
     * control messages (key method 2, push) are over: building one costs tens of microseconds,
     * keeping two costs about 2.6 KiB for the session's life. Ignored before the handshake completes.
     */
    public void releaseRecordCiphers() {
        if (peer.handshakeComplete()) {
            crypto.releaseRecordCiphers();
        }
    }

    /** Discards (and zeroes) the exported keying material once the data keys are derived from it. */
    public void forgetKeyingMaterial() {
        peer.forgetExported();
    }

    /** BC's server protocol, with its output queue reachable (a protected field) for shrinking. */
    private static final class ServerProtocol extends TlsServerProtocol {
        ByteQueue output() {
            return outputBuffer.getBuffer();
        }
    }

    /** BC's client protocol, as {@link ServerProtocol}. */
    private static final class ClientProtocol extends TlsClientProtocol {
        ByteQueue output() {
            return outputBuffer.getBuffer();
        }
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
