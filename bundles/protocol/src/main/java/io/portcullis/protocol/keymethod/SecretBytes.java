package io.portcullis.protocol.keymethod;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Secret bytes such as a password: never shown by {@code toString}, compared in constant
 * time, and wipeable once the authenticator is done with them.
 */
public final class SecretBytes {

    public static final SecretBytes EMPTY = new SecretBytes(new byte[0]);

    private final byte[] bytes;

    private SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Takes a copy. */
    public static SecretBytes of(byte[] bytes) {
        return new SecretBytes(bytes.clone());
    }

    public static SecretBytes ofUtf8(String s) {
        return new SecretBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** A copy of the bytes; the caller owns (and should wipe) it. */
    public byte[] reveal() {
        return bytes.clone();
    }

    /** The bytes decoded as UTF-8 (OpenVPN passwords are C strings in the client's charset). */
    public String revealUtf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Overwrites the bytes with zeros; later reads see zeros. */
    public void wipe() {
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretBytes s && MessageDigest.isEqual(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "***";
    }
}
