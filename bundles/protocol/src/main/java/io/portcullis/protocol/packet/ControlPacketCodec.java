package io.portcullis.protocol.packet;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Wire codec for unwrapped control packets (reference §2.1):
 * {@code op|kid, own sid, n_ack, ack ids, peer sid (if n_ack>0), msg pid (not in ACK), payload}.
 * The part after the session id (the "tail") is exposed separately because tls-auth and
 * tls-crypt insert their fields between the session id and the tail.
 */
public final class ControlPacketCodec {

    /** Opcode byte plus own session id. */
    public static final int HEADER_LENGTH = 1 + SessionId.LENGTH;

    private ControlPacketCodec() {
    }

    /** Length of the tail of a packet. */
    public static int tailLength(ControlPacket packet) {
        int n = packet.acks().encodedLength();
        if (packet instanceof ControlPacket.Reliable r) {
            n += 4 + r.payload().length;
        }
        return n;
    }

    public static int encodedLength(ControlPacket packet) {
        return HEADER_LENGTH + tailLength(packet);
    }

    /** Writes {@code op|kid || own sid}. */
    public static void writeHeader(ControlPacket packet, ByteBuffer out) {
        out.put(packet.opcode().firstByte(packet.keyId()));
        packet.sessionId().write(out);
    }

    /** Writes ACK block, message packet-id and payload. */
    public static void writeTail(ControlPacket packet, ByteBuffer out) {
        AckBlock acks = packet.acks();
        out.put((byte) acks.packetIds().size());
        if (!acks.isEmpty()) {
            for (long id : acks.packetIds()) {
                out.putInt((int) id);
            }
            acks.remoteSessionId().write(out);
        }
        if (packet instanceof ControlPacket.Reliable r) {
            out.putInt((int) r.messagePacketId());
            out.put(r.payload());
        }
    }

    /** The plain (unwrapped) wire form. */
    public static byte[] encode(ControlPacket packet) {
        ByteBuffer out = ByteBuffer.allocate(encodedLength(packet));
        writeHeader(packet, out);
        writeTail(packet, out);
        return out.array();
    }

    public static ParseResult<ControlPacket> decode(byte[] packet) {
        return decode(ByteBuffer.wrap(packet));
    }

    /** Decodes a plain control packet occupying all remaining bytes of {@code in}. */
    public static ParseResult<ControlPacket> decode(ByteBuffer in) {
        if (in.remaining() < HEADER_LENGTH) {
            return ParseResult.dropped(DropReason.TRUNCATED, "shorter than control header");
        }
        int first = in.get() & 0xFF;
        Opcode opcode = Opcode.fromFirstByte(first);
        ParseResult<Opcode> check = checkControlOpcode(opcode, first);
        if (!check.isOk()) {
            return check.castDrop();
        }
        SessionId sid = SessionId.read(in);
        return decodeTail(opcode, Opcode.keyIdOf(first), sid, in);
    }

    /** Accepts only defined, non-obsolete control opcodes. */
    public static ParseResult<Opcode> checkControlOpcode(Opcode opcode, int firstByte) {
        if (opcode == null) {
            return ParseResult.dropped(DropReason.UNEXPECTED_OPCODE, "unknown opcode " + (firstByte >>> 3));
        }
        if (opcode.isData() || opcode.isObsolete()) {
            return ParseResult.dropped(DropReason.UNEXPECTED_OPCODE, opcode + " is not a usable control opcode");
        }
        return ParseResult.ok(opcode);
    }

    /** Decodes the tail (all remaining bytes of {@code in}) of a control packet. */
    public static ParseResult<ControlPacket> decodeTail(Opcode opcode, int keyId, SessionId sessionId,
            ByteBuffer in) {
        try {
            int nAck = in.get() & 0xFF;
            if (nAck > AckBlock.MAX_ACKS) {
                return ParseResult.dropped(DropReason.MALFORMED, "ACK count " + nAck + " > 8");
            }
            AckBlock acks = AckBlock.EMPTY;
            if (nAck > 0) {
                List<Long> ids = new ArrayList<>(nAck);
                for (int i = 0; i < nAck; i++) {
                    ids.add(in.getInt() & 0xFFFF_FFFFL);
                }
                acks = new AckBlock(ids, SessionId.read(in));
            }
            if (opcode == Opcode.P_ACK_V1) {
                if (acks.isEmpty()) {
                    return ParseResult.dropped(DropReason.MALFORMED, "P_ACK_V1 without ACKs");
                }
                // OpenVPN ignores anything after the ACK block of a P_ACK_V1; so do we.
                in.position(in.limit());
                return ParseResult.ok(new ControlPacket.Ack(keyId, sessionId, acks));
            }
            long pid = in.getInt() & 0xFFFF_FFFFL;
            byte[] payload = new byte[in.remaining()];
            in.get(payload);
            return ParseResult.ok(new ControlPacket.Reliable(opcode, keyId, sessionId, acks, pid, payload));
        } catch (BufferUnderflowException e) {
            return ParseResult.dropped(DropReason.TRUNCATED, opcode + " truncated");
        }
    }
}
