package io.portcullis.protocol.packet;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A decoded (unwrapped) control-channel packet. Either a reliable packet carrying a message
 * packet-id (resets, P_CONTROL_V1, P_CONTROL_WKC_V1) or a bare P_ACK_V1.
 */
public sealed interface ControlPacket permits ControlPacket.Reliable, ControlPacket.Ack {

    Opcode opcode();

    int keyId();

    /** The sender's own session id. */
    SessionId sessionId();

    AckBlock acks();

    /**
     * A packet with a message packet-id; {@code payload} is TLS bytes (or reset TLVs).
     * The payload array is not copied: treat it as immutable.
     */
    record Reliable(Opcode opcode, int keyId, SessionId sessionId, AckBlock acks, long messagePacketId,
            byte[] payload) implements ControlPacket {

        public Reliable {
            if (!opcode.isReliable()) {
                throw new IllegalArgumentException(opcode + " carries no message packet-id");
            }
            checkKeyId(keyId);
            if (messagePacketId < 0 || messagePacketId > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("message packet-id out of u32 range");
            }
            if (payload == null) {
                payload = new byte[0];
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reliable r && opcode == r.opcode && keyId == r.keyId
                    && sessionId.equals(r.sessionId) && acks.equals(r.acks)
                    && messagePacketId == r.messagePacketId && Arrays.equals(payload, r.payload);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hash(opcode, keyId, sessionId, acks, messagePacketId)
                    + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return opcode + "[kid=" + keyId + ", sid=" + sessionId + ", acks=" + acks.packetIds()
                    + ", pid=" + messagePacketId + ", payload=" + payload.length + "B "
                    + HexFormat.of().formatHex(payload, 0, Math.min(8, payload.length)) + "]";
        }
    }

    /** P_ACK_V1: at least one ACK, no message packet-id, no payload. */
    record Ack(int keyId, SessionId sessionId, AckBlock acks) implements ControlPacket {

        public Ack {
            checkKeyId(keyId);
            if (acks.isEmpty()) {
                throw new IllegalArgumentException("P_ACK_V1 needs at least one ACK");
            }
        }

        @Override
        public Opcode opcode() {
            return Opcode.P_ACK_V1;
        }
    }

    private static void checkKeyId(int keyId) {
        if (keyId < 0 || keyId > Opcode.MAX_KEY_ID) {
            throw new IllegalArgumentException("key id out of range: " + keyId);
        }
    }
}
