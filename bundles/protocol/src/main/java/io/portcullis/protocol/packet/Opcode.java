package io.portcullis.protocol.packet;

/**
 * OpenVPN packet opcodes (top 5 bits of the first byte), named as in OpenVPN's ssl_pkt.h.
 */
public enum Opcode {
    P_CONTROL_HARD_RESET_CLIENT_V1(1),
    P_CONTROL_HARD_RESET_SERVER_V1(2),
    P_CONTROL_SOFT_RESET_V1(3),
    P_CONTROL_V1(4),
    P_ACK_V1(5),
    P_DATA_V1(6),
    P_CONTROL_HARD_RESET_CLIENT_V2(7),
    P_CONTROL_HARD_RESET_SERVER_V2(8),
    P_DATA_V2(9),
    P_CONTROL_HARD_RESET_CLIENT_V3(10),
    P_CONTROL_WKC_V1(11);

    public static final int MAX_KEY_ID = 7;

    private static final Opcode[] BY_CODE = new Opcode[32];

    static {
        for (Opcode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;

    Opcode(int code) {
        this.code = code;
    }

    /** The 5-bit numeric opcode. */
    public int code() {
        return code;
    }

    /** The opcode for a numeric code, or {@code null} if OpenVPN defines none. */
    public static Opcode fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** The opcode encoded in a packet's first byte, or {@code null} if unknown. */
    public static Opcode fromFirstByte(int firstByte) {
        return fromCode((firstByte & 0xFF) >>> 3);
    }

    /** The key id (0..7) encoded in a packet's first byte. */
    public static int keyIdOf(int firstByte) {
        return firstByte & 0x07;
    }

    /** The first byte of a packet: {@code opcode << 3 | keyId}. */
    public byte firstByte(int keyId) {
        if (keyId < 0 || keyId > MAX_KEY_ID) {
            throw new IllegalArgumentException("key id out of range: " + keyId);
        }
        return (byte) (code << 3 | keyId);
    }

    public boolean isData() {
        return this == P_DATA_V1 || this == P_DATA_V2;
    }

    public boolean isControl() {
        return !isData();
    }

    /** Key-method 1 opcodes, removed from OpenVPN 2.5; never accepted. */
    public boolean isObsolete() {
        return this == P_CONTROL_HARD_RESET_CLIENT_V1 || this == P_CONTROL_HARD_RESET_SERVER_V1;
    }

    /** Control packets that carry a message packet-id and therefore need an ACK. */
    public boolean isReliable() {
        return isControl() && this != P_ACK_V1;
    }

    /** Hard resets start a session; soft resets start a new key id within one. */
    public boolean isHardReset() {
        return this == P_CONTROL_HARD_RESET_CLIENT_V1 || this == P_CONTROL_HARD_RESET_SERVER_V1
                || this == P_CONTROL_HARD_RESET_CLIENT_V2 || this == P_CONTROL_HARD_RESET_SERVER_V2
                || this == P_CONTROL_HARD_RESET_CLIENT_V3;
    }
}
