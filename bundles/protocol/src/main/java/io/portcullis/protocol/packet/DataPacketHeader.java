package io.portcullis.protocol.packet;

import java.nio.ByteBuffer;

/**
 * Header of a data packet: P_DATA_V1 is one byte ({@code op|kid}); P_DATA_V2 adds a 24-bit
 * peer-id. For P_DATA_V1 {@link #peerId()} is {@link #ABSENT_PEER_ID}.
 */
public record DataPacketHeader(Opcode opcode, int keyId, int peerId) {

    /** P_DATA_V2 peer-id meaning "no peer-id assigned". */
    public static final int NO_PEER_ID = 0xFFFFFF;
    public static final int ABSENT_PEER_ID = -1;
    public static final int MAX_PEER_ID = 0xFFFFFE;

    public DataPacketHeader {
        if (!opcode.isData()) {
            throw new IllegalArgumentException(opcode + " is not a data opcode");
        }
        if (keyId < 0 || keyId > Opcode.MAX_KEY_ID) {
            throw new IllegalArgumentException("key id out of range: " + keyId);
        }
        if (opcode == Opcode.P_DATA_V1 && peerId != ABSENT_PEER_ID) {
            throw new IllegalArgumentException("P_DATA_V1 has no peer-id");
        }
        if (opcode == Opcode.P_DATA_V2 && (peerId < 0 || peerId > NO_PEER_ID)) {
            throw new IllegalArgumentException("peer-id out of 24-bit range: " + peerId);
        }
    }

    public static DataPacketHeader v1(int keyId) {
        return new DataPacketHeader(Opcode.P_DATA_V1, keyId, ABSENT_PEER_ID);
    }

    public static DataPacketHeader v2(int keyId, int peerId) {
        return new DataPacketHeader(Opcode.P_DATA_V2, keyId, peerId);
    }

    /** 1 for P_DATA_V1, 4 for P_DATA_V2. */
    public int length() {
        return opcode == Opcode.P_DATA_V2 ? 4 : 1;
    }

    /** Writes the header at {@code out}'s position. */
    public void write(ByteBuffer out) {
        if (opcode == Opcode.P_DATA_V2) {
            out.putInt((opcode.code() << 3 | keyId) << 24 | peerId);
        } else {
            out.put(opcode.firstByte(keyId));
        }
    }

    /** Parses the header at {@code in}'s position, leaving the position after it. */
    public static ParseResult<DataPacketHeader> read(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return ParseResult.dropped(DropReason.TRUNCATED, "empty packet");
        }
        int first = in.get(in.position()) & 0xFF;
        Opcode op = Opcode.fromFirstByte(first);
        if (op == null || !op.isData()) {
            return ParseResult.dropped(DropReason.UNEXPECTED_OPCODE, "not a data packet: " + op);
        }
        int keyId = Opcode.keyIdOf(first);
        if (op == Opcode.P_DATA_V1) {
            in.get();
            return ParseResult.ok(v1(keyId));
        }
        if (in.remaining() < 4) {
            return ParseResult.dropped(DropReason.TRUNCATED, "P_DATA_V2 header truncated");
        }
        int word = in.getInt();
        return ParseResult.ok(v2(keyId, word & 0xFFFFFF));
    }
}
