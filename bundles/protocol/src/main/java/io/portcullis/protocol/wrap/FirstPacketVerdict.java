package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.ParseResult;
import java.nio.ByteBuffer;

/**
 * Stateless check of a packet from an unknown peer, before any session state exists
 * (OpenVPN's {@code tls_pre_decrypt_lite}): only a HARD_RESET_CLIENT_V2 with key id 0,
 * valid wrapping, message packet-id 0 and no ACKs may start a session. Everything else is
 * dropped without a reply. HARD_RESET_CLIENT_V3 needs tls-crypt-v2, which is not supported.
 */
public sealed interface FirstPacketVerdict permits FirstPacketVerdict.Accept, FirstPacketVerdict.Reject {

    /** A valid client reset; its replay id still needs recording in the new session's codec. */
    record Accept(ControlPacket.Reliable reset, Unwrapped unwrapped) implements FirstPacketVerdict {
    }

    record Reject(DropReason reason, String detail) implements FirstPacketVerdict {
    }

    /** Checks all remaining bytes of {@code datagram} without consuming them. */
    static FirstPacketVerdict check(ByteBuffer datagram, ControlChannelProtection protection) {
        ByteBuffer in = datagram.duplicate();
        if (!in.hasRemaining()) {
            return new Reject(DropReason.TRUNCATED, "empty datagram");
        }
        int first = in.get(in.position()) & 0xFF;
        Opcode opcode = Opcode.fromFirstByte(first);
        if (opcode != Opcode.P_CONTROL_HARD_RESET_CLIENT_V2) {
            return new Reject(DropReason.UNEXPECTED_OPCODE, "first packet must be a client hard reset, got " + opcode);
        }
        if (Opcode.keyIdOf(first) != 0) {
            return new Reject(DropReason.UNEXPECTED_KEY_ID, "hard reset with key id " + Opcode.keyIdOf(first));
        }
        ParseResult<Unwrapped> unwrapped = protection.unwrap(in);
        if (unwrapped instanceof ParseResult.Dropped<Unwrapped> d) {
            return new Reject(d.reason(), d.detail());
        }
        Unwrapped u = unwrapped.valueOrNull();
        ControlPacket.Reliable reset = (ControlPacket.Reliable) u.packet();
        if (!reset.sessionId().isDefined()) {
            return new Reject(DropReason.MALFORMED, "zero session id");
        }
        if (reset.messagePacketId() != 0) {
            return new Reject(DropReason.MALFORMED, "hard reset with message packet-id " + reset.messagePacketId());
        }
        if (!reset.acks().isEmpty()) {
            return new Reject(DropReason.MALFORMED, "hard reset carrying ACKs");
        }
        return new Accept(reset, u);
    }
}
