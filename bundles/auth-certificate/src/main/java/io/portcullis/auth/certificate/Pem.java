package io.portcullis.auth.certificate;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** PEM blocks ({@code -----BEGIN type----- ... -----END type-----}) found in a file's bytes. */
final class Pem {

    private static final byte[] BEGIN = "-----BEGIN ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "-----END ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DASHES = "-----".getBytes(StandardCharsets.US_ASCII);

    record Block(String type, byte[] der) {
    }

    private Pem() {
    }

    static boolean isPem(byte[] content) {
        return indexOf(content, BEGIN, 0) >= 0;
    }

    /**
     * Every block in order; text around blocks (OpenSSL's "Bag Attributes", comments) is skipped.
     *
     * @throws IllegalArgumentException naming the block that is unterminated or not Base64
     */
    static List<Block> blocks(byte[] content) {
        List<Block> blocks = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = indexOf(content, BEGIN, from);
            if (begin < 0) {
                return blocks;
            }
            int typeStart = begin + BEGIN.length;
            int typeEnd = indexOf(content, DASHES, typeStart);
            if (typeEnd < 0 || typeEnd - typeStart > 64) {
                throw new IllegalArgumentException("PEM block " + (blocks.size() + 1) + " has a malformed BEGIN line");
            }
            String type = new String(content, typeStart, typeEnd - typeStart, StandardCharsets.US_ASCII);
            int bodyStart = typeEnd + DASHES.length;
            int end = indexOf(content, END, bodyStart);
            if (end < 0) {
                throw new IllegalArgumentException("PEM block " + (blocks.size() + 1) + " (" + type + ") has no END line");
            }
            byte[] der;
            try {
                ByteBuffer decoded = Base64.getMimeDecoder().decode(ByteBuffer.wrap(content, bodyStart, end - bodyStart));
                der = new byte[decoded.remaining()];
                decoded.get(der);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("PEM block " + (blocks.size() + 1) + " (" + type + ") is not valid Base64");
            }
            blocks.add(new Block(type, der));
            int close = indexOf(content, DASHES, end + END.length);
            from = close < 0 ? content.length : close + DASHES.length;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
