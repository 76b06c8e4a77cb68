package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.ParseResult;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * An OpenVPN "static key V1" (256 bytes): two 128-byte key records, each a 64-byte cipher
 * slot followed by a 64-byte HMAC slot (reference §3.1). Used by tls-auth and tls-crypt.
 */
public final class StaticKey {

    public static final int LENGTH = 256;
    public static final int SLOT_LENGTH = 64;
    static final String BEGIN = "-----BEGIN OpenVPN Static key V1-----";
    static final String END = "-----END OpenVPN Static key V1-----";

    private final byte[] bytes;

    private StaticKey(byte[] bytes) {
        this.bytes = bytes;
    }

    public static StaticKey of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("static key must be 256 bytes");
        }
        return new StaticKey(bytes.clone());
    }

    public static StaticKey generate(RandomGenerator random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        return new StaticKey(b);
    }

    /**
     * Parses the text file format: hex between the BEGIN/END markers, any line breaks and
     * whitespace; text outside the markers (OpenVPN writes comments there) is ignored.
     */
    public static ParseResult<StaticKey> parse(String text) {
        int begin = text.indexOf(BEGIN);
        int end = begin < 0 ? -1 : text.indexOf(END, begin);
        if (begin < 0 || end < 0) {
            return ParseResult.dropped(DropReason.MALFORMED, "missing static key V1 markers");
        }
        String body = text.substring(begin + BEGIN.length(), end);
        StringBuilder hex = new StringBuilder(LENGTH * 2);
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (Character.digit(c, 16) >= 0) {
                hex.append(c);
            } else if (!Character.isWhitespace(c)) {
                return ParseResult.dropped(DropReason.MALFORMED, "non-hex character in static key");
            }
        }
        if (hex.length() != LENGTH * 2) {
            return ParseResult.dropped(DropReason.MALFORMED,
                    "static key has " + hex.length() / 2 + " bytes, expected 256");
        }
        return ParseResult.ok(new StaticKey(HexFormat.of().parseHex(hex)));
    }

    /** The file format OpenVPN writes: 16 lines of 32 hex digits between the markers. */
    public String toText() {
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < LENGTH; i += 16) {
            sb.append(hex.formatHex(bytes, i, i + 16)).append('\n');
        }
        return sb.append(END).append('\n').toString();
    }

    /** First {@code length} bytes of the cipher slot of key record 0 or 1. */
    public byte[] cipherKey(int record, int length) {
        return slice(record * 128, length);
    }

    /** First {@code length} bytes of the HMAC slot of key record 0 or 1. */
    public byte[] hmacKey(int record, int length) {
        return slice(record * 128 + SLOT_LENGTH, length);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    private byte[] slice(int offset, int length) {
        if (length < 0 || length > SLOT_LENGTH) {
            throw new IllegalArgumentException("slot holds at most 64 bytes");
        }
        return Arrays.copyOfRange(bytes, offset, offset + length);
    }

    @Override
    public String toString() {
        return "StaticKey[***]";
    }
}
