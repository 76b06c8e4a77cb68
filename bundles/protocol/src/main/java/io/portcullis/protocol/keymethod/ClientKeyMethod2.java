package io.portcullis.protocol.keymethod;

import io.portcullis.protocol.keys.KeySource;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The client's key-method 2 message. The password is a {@link SecretBytes} and never
 * appears in {@link #toString()}. Empty username/password mean "not provided".
 */
public record ClientKeyMethod2(KeyMethod2Format format, KeySource keySource, String options, String username,
        SecretBytes password, PeerInfo peerInfo) {

    public ClientKeyMethod2 {
        if (!keySource.hasPreMaster()) {
            throw new IllegalArgumentException("client key source needs a pre-master");
        }
        username = username == null ? "" : username;
        password = password == null ? SecretBytes.EMPTY : password;
        peerInfo = peerInfo == null ? PeerInfo.EMPTY : peerInfo;
    }

    public boolean hasCredentials() {
        return !username.isEmpty() || !password.isEmpty();
    }

    /** The wire form in this message's format (used by the client engine and tests). */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean aws = format == KeyMethod2Format.AWS;
        out.writeBytes(new byte[4]); // literal zero, or AWS total length patched in below
        out.write(KeyMethod2Reader.KEY_METHOD_2);
        out.writeBytes(keySource.preMaster());
        out.writeBytes(keySource.random1());
        out.writeBytes(keySource.random2());
        writeString(out, options.getBytes(StandardCharsets.UTF_8), aws);
        byte[] pw = password.reveal();
        writeString(out, username.getBytes(StandardCharsets.UTF_8), aws);
        writeString(out, pw, aws);
        java.util.Arrays.fill(pw, (byte) 0);
        String pi = peerInfo.toText();
        writeString(out, pi.getBytes(StandardCharsets.UTF_8), aws);
        byte[] wire = out.toByteArray();
        if (aws) {
            ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).putInt(0, wire.length);
        }
        return wire;
    }

    /** Length-prefixed, NUL-terminated; the length counts the NUL; empty is a bare zero length. */
    static void writeString(ByteArrayOutputStream out, byte[] s, boolean u32) {
        int len = s.length == 0 ? 0 : s.length + 1;
        if (u32) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(len).array());
        } else {
            if (len > 0xFFFF) {
                throw new IllegalArgumentException("string too long for the standard format");
            }
            out.write(len >>> 8);
            out.write(len);
        }
        if (len > 0) {
            out.writeBytes(s);
            out.write(0);
        }
    }

    @Override
    public String toString() {
        return "ClientKeyMethod2[format=" + format + ", options=" + options + ", username=" + username
                + ", password=***, peerInfo=" + peerInfo.entries() + "]";
    }
}
