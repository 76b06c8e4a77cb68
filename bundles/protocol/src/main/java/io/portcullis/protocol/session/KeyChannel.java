package io.portcullis.protocol.session;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.SessionId;
import io.portcullis.protocol.reliable.ReceiveOutcome;
import io.portcullis.protocol.reliable.ReliableLayer;
import io.portcullis.protocol.tls.ControlChannelTls;
import io.portcullis.protocol.tls.TlsStep;
import java.io.ByteArrayOutputStream;

/**
 * The control channel of one key id: reliability layer plus its TLS session. Turns delivered
 * P_CONTROL_V1 payloads into TLS input and queues TLS output as new control packets.
 * Not thread-safe.
 */
final class KeyChannel {

    /** tls-mtu 1250 minus IPv6+UDP (48), op|kid+sid (9), 4 piggybacked ACKs (25) and msg pid (4). */
    private static final int PACKET_BUDGET = 1250 - 48 - 9 - 25 - 4;
    private static final int MAX_TLS_CHUNK = 1100;

    final int keyId;
    final ReliableLayer reliable;
    final long startedNanos;
    private final int maxChunk;
    ControlChannelTls tls;
    /** The peer's (hard or soft) reset of this key id was delivered. */
    boolean peerResetSeen;
    /** TLS failure reason, once failed. */
    String failure;
    /** Replaced when taken: the key-method 2 message would otherwise leave it grown for the session's life. */
    private ByteArrayOutputStream appData = new ByteArrayOutputStream();

    KeyChannel(int keyId, SessionId local, SessionId remote, ControlChannelTls tls, int wrapOverhead,
            long startedNanos) {
        this.keyId = keyId;
        this.reliable = new ReliableLayer(keyId, local);
        this.reliable.setRemoteSessionId(remote);
        this.tls = tls;
        this.startedNanos = startedNanos;
        this.maxChunk = Math.max(256, Math.min(MAX_TLS_CHUNK, PACKET_BUDGET - wrapOverhead));
    }

    /**
     * Feeds an authenticated packet of this key id through reliability and TLS. Decrypted
     * application bytes accumulate in {@link #takeAppData()}.
     */
    ReceiveOutcome receive(ControlPacket packet) {
        ReceiveOutcome outcome = reliable.receive(packet);
        for (ControlPacket.Reliable p : reliable.pollDeliverable()) {
            if (p.opcode() == Opcode.P_CONTROL_V1 || p.opcode() == Opcode.P_CONTROL_WKC_V1) {
                feedTls(p.payload());
            } else if (p.opcode().isHardReset() || p.opcode() == Opcode.P_CONTROL_SOFT_RESET_V1) {
                peerResetSeen = true; // resets carry no TLS data (a 2.6 reset may carry TLVs: ignored)
            }
        }
        return outcome;
    }

    private void feedTls(byte[] payload) {
        if (failure != null || tls == null || payload.length == 0) {
            return;
        }
        TlsStep step = tls.feed(payload);
        queue(step.output());
        if (step instanceof TlsStep.Progress progress) {
            progress.applicationData().forEach(appData::writeBytes);
        } else if (step instanceof TlsStep.Failed failed) {
            failure = failed.reason();
        }
    }

    /** Queues TLS bytes (handshake output or records) as P_CONTROL_V1 packets. */
    void queue(byte[] tlsBytes) {
        if (tlsBytes.length > 0) {
            reliable.enqueueStream(tlsBytes, maxChunk);
        }
    }

    /** Sends one application message in its own TLS record; false if TLS is not ready. */
    boolean sendApp(byte[] message) {
        if (tls == null || failure != null || !tls.isHandshakeComplete()) {
            return false;
        }
        TlsStep step = tls.send(message);
        queue(step.output());
        if (step instanceof TlsStep.Failed failed) {
            failure = failed.reason();
            return false;
        }
        return true;
    }

    boolean handshakeComplete() {
        return tls != null && tls.isHandshakeComplete();
    }

    byte[] takeAppData() {
        byte[] b = appData.toByteArray();
        appData = new ByteArrayOutputStream(0);
        return b;
    }

    boolean hasAppData() {
        return appData.size() > 0;
    }

    /** Puts unconsumed application bytes back in front. */
    void unread(byte[] rest) {
        byte[] later = appData.toByteArray();
        appData.reset();
        appData.writeBytes(rest);
        appData.writeBytes(later);
    }

    /** Key ids of renegotiations: 1..7, wrapping 7 to 1 (0 is only the first key). */
    static int nextKeyId(int keyId) {
        return keyId >= Opcode.MAX_KEY_ID ? 1 : keyId + 1;
    }
}
