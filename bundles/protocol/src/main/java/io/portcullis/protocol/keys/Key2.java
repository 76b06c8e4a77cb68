package io.portcullis.protocol.keys;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelKeys;
import io.portcullis.protocol.packet.SessionId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * OpenVPN's 256-byte "key2" block (reference §6): C→S cipher slot, C→S HMAC slot, S→C cipher
 * slot, S→C HMAC slot, 64 bytes each. For AEAD the first 8 bytes of an HMAC slot are that
 * direction's implicit IV.
 */
public final class Key2 {

    public static final int LENGTH = 256;
    /** TLS exporter label; used without context, 256 bytes. */
    public static final String EXPORTER_LABEL = "EXPORTER-OpenVPN-datakeys";
    public static final String MASTER_SECRET_LABEL = "OpenVPN master secret";
    public static final String KEY_EXPANSION_LABEL = "OpenVPN key expansion";

    private final byte[] bytes;

    private Key2(byte[] bytes) {
        this.bytes = bytes;
    }

    /** From 256 bytes of TLS keying-material export (label {@link #EXPORTER_LABEL}, no context). */
    public static Key2 fromExporter(byte[] exported) {
        if (exported.length != LENGTH) {
            throw new IllegalArgumentException("exporter output must be 256 bytes");
        }
        return new Key2(exported.clone());
    }

    /**
     * The legacy PRF derivation:
     * {@code master = PRF(pre_master, "OpenVPN master secret" || c.random1 || s.random1)} (48 bytes),
     * {@code key2 = PRF(master, "OpenVPN key expansion" || c.random2 || s.random2 || c.sid || s.sid)}.
     */
    public static Key2 fromPrf(KeySource client, KeySource server, SessionId clientSessionId,
            SessionId serverSessionId) {
        byte[] preMaster = client.preMaster();
        byte[] master = OpenVpnPrf.prf(preMaster, concat(MASTER_SECRET_LABEL, client.random1(), server.random1()), 48);
        byte[] key2 = OpenVpnPrf.prf(master, concat(KEY_EXPANSION_LABEL, client.random2(), server.random2(),
                clientSessionId.toBytes(), serverSessionId.toBytes()), LENGTH);
        Arrays.fill(preMaster, (byte) 0);
        Arrays.fill(master, (byte) 0);
        return new Key2(key2);
    }

    private static byte[] concat(String label, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The server sends with the S→C slots and receives with the C→S slots. */
    public DataChannelKeys serverKeys(AeadAlgorithm algorithm) {
        return keys(algorithm, 128, 0);
    }

    /** The client sends with the C→S slots and receives with the S→C slots. */
    public DataChannelKeys clientKeys(AeadAlgorithm algorithm) {
        return keys(algorithm, 0, 128);
    }

    private DataChannelKeys keys(AeadAlgorithm algorithm, int sendBase, int receiveBase) {
        int kl = algorithm.keyLength();
        int iv = AeadAlgorithm.IMPLICIT_IV_LENGTH;
        return new DataChannelKeys(algorithm,
                Arrays.copyOfRange(bytes, sendBase, sendBase + kl),
                Arrays.copyOfRange(bytes, sendBase + 64, sendBase + 64 + iv),
                Arrays.copyOfRange(bytes, receiveBase, receiveBase + kl),
                Arrays.copyOfRange(bytes, receiveBase + 64, receiveBase + 64 + iv));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public void wipe() {
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public String toString() {
        return "Key2[***]";
    }
}
