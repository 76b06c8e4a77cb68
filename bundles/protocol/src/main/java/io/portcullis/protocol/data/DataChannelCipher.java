package io.portcullis.protocol.data;

import io.portcullis.protocol.packet.DataPacketHeader;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.replay.ReplayWindow;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AEAD data channel for one key id (reference §7.1):
 * {@code [op|kid][peer-id (V2)][pkt_id 4][tag 16][ciphertext]}, nonce = {@code pkt_id || implicit IV},
 * AAD = {@code op|kid, peer-id, pkt_id} for P_DATA_V2 and {@code pkt_id} for P_DATA_V1.
 * <p>
 * Cipher instances are reused and packet scratch buffers are per thread; apart from the parameter
 * spec JCE needs per nonce, sealing and opening allocate nothing. Sealing and opening use disjoint
 * state (own {@link Cipher}, nonce and AAD buffers), so one thread may {@link #seal} while another
 * thread {@link #open}s; each direction must be used by one thread at a time.
 */
public final class DataChannelCipher {

    public static final int PACKET_ID_LENGTH = 4;
    /** Packet ids at or above this should trigger a renegotiation (reference §7.3). */
    public static final long RENEGOTIATE_AT_PACKET_ID = 0xFF00_0000L;

    private final AeadAlgorithm algorithm;
    private final int keyId;
    private final DataPacketHeader sendHeader;
    private final ReplayWindow replay;
    private final Cipher encryptor;
    private final Cipher decryptor;
    private final SecretKeySpec encryptKey;
    private final SecretKeySpec decryptKey;
    private final byte[] encryptNonce = new byte[AeadAlgorithm.NONCE_LENGTH];
    private final byte[] decryptNonce = new byte[AeadAlgorithm.NONCE_LENGTH];
    // Separate per direction: one thread may seal while another opens (see class comment).
    private final byte[] sealAad = new byte[8];
    private final byte[] openAad = new byte[8];
    // Per thread, not per session: thousands of idle sessions should not each hold packet buffers.
    // Sealing and opening of one packet never interleave on a thread, so each has its own.
    private static final ThreadLocal<ByteBuffer[]> SEAL_SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[1]);
    private static final ThreadLocal<ByteBuffer[]> OPEN_SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[1]);
    private long nextPacketId = 1;

    /**
     * @param peerId the peer-id to send in P_DATA_V2, or {@link DataPacketHeader#ABSENT_PEER_ID} to send P_DATA_V1
     * @param replay the receive replay window for this key id
     */
    public DataChannelCipher(DataChannelKeys keys, int keyId, int peerId, ReplayWindow replay) {
        this.algorithm = keys.algorithm();
        this.keyId = keyId;
        this.sendHeader = peerId == DataPacketHeader.ABSENT_PEER_ID
                ? DataPacketHeader.v1(keyId) : DataPacketHeader.v2(keyId, peerId);
        this.replay = replay;
        this.encryptKey = new SecretKeySpec(keys.encryptKey(), algorithm.keyAlgorithm());
        this.decryptKey = new SecretKeySpec(keys.decryptKey(), algorithm.keyAlgorithm());
        System.arraycopy(keys.encryptImplicitIv(), 0, encryptNonce, 4, 8);
        System.arraycopy(keys.decryptImplicitIv(), 0, decryptNonce, 4, 8);
        try {
            this.encryptor = Cipher.getInstance(algorithm.transformation());
            this.decryptor = Cipher.getInstance(algorithm.transformation());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks " + algorithm.transformation(), e);
        }
    }

    public AeadAlgorithm algorithm() {
        return algorithm;
    }

    public int keyId() {
        return keyId;
    }

    /** Wire length of a packet carrying {@code plaintextLength} bytes. */
    public int sealedLength(int plaintextLength) {
        return sendHeader.length() + PACKET_ID_LENGTH + AeadAlgorithm.TAG_LENGTH + plaintextLength;
    }

    /** The packet id the next {@link #seal} will use. */
    public long nextPacketId() {
        return nextPacketId;
    }

    public boolean needsRenegotiation() {
        return nextPacketId >= RENEGOTIATE_AT_PACKET_ID;
    }

    /**
     * Encrypts all remaining bytes of {@code plaintext} into a packet written at {@code out}'s
     * position ({@link #sealedLength} bytes; both positions advance). When {@code out} has room,
     * the {@link AeadAlgorithm#TAG_LENGTH} bytes after the packet are used as scratch.
     *
     * @return the packet length
     * @throws IllegalStateException if the 32-bit packet id space is used up (renegotiate first)
     * @throws IllegalArgumentException if {@code out} is too small
     */
    public int seal(ByteBuffer plaintext, ByteBuffer out) {
        int n = plaintext.remaining();
        int total = sealedLength(n);
        if (out.remaining() < total) {
            throw new IllegalArgumentException("output buffer needs " + total + " bytes");
        }
        if (nextPacketId > 0xFFFF_FFFFL) {
            throw new IllegalStateException("data packet id exhausted; renegotiate");
        }
        long pid = nextPacketId++;
        int start = out.position();
        sendHeader.write(out);
        out.putInt((int) pid);
        int aadLength = fillAad(sendHeader.opcode(), out, start, sealAad);
        putPacketId(encryptNonce, pid);
        int tagAt = out.position();
        // JCE emits ciphertext || tag; OpenVPN puts the tag first. With room for the tag after the
        // packet, the ciphertext goes straight to its place and only the tag is moved; otherwise
        // both go through a scratch buffer.
        boolean inPlace = out.remaining() >= AeadAlgorithm.TAG_LENGTH + n + AeadAlgorithm.TAG_LENGTH;
        ByteBuffer target = inPlace ? out : scratch(SEAL_SCRATCH, n + AeadAlgorithm.TAG_LENGTH);
        if (inPlace) {
            out.position(tagAt + AeadAlgorithm.TAG_LENGTH);
        }
        try {
            encryptor.init(Cipher.ENCRYPT_MODE, encryptKey, spec(encryptNonce));
            encryptor.updateAAD(sealAad, 0, aadLength);
            encryptor.doFinal(plaintext, target);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AEAD encryption failed", e);
        }
        if (inPlace) {
            int tagFrom = tagAt + AeadAlgorithm.TAG_LENGTH + n; // the 16-byte tag, as two longs
            out.putLong(tagAt, out.getLong(tagFrom));
            out.putLong(tagAt + 8, out.getLong(tagFrom + 8));
            out.position(start + total);
        } else {
            out.put(target.array(), n, AeadAlgorithm.TAG_LENGTH);
            out.put(target.array(), 0, n);
        }
        return total;
    }

    /**
     * Authenticates and decrypts the data packet in {@code packet}'s remaining bytes (header
     * included) into {@code out} at its position. On success the packet id is recorded in the
     * replay window and {@code out}'s position advances by the plaintext length; on failure
     * {@code out} is left unchanged. {@code packet}'s position is consumed either way.
     */
    public OpenStatus open(ByteBuffer packet, ByteBuffer out, long nowNanos) {
        int start = packet.position();
        int length = packet.remaining();
        packet.position(start + length);
        if (length < 1) {
            return OpenStatus.TRUNCATED;
        }
        int first = packet.get(start) & 0xFF;
        Opcode op = Opcode.fromFirstByte(first);
        if (op == null || !op.isData()) {
            return OpenStatus.UNEXPECTED_OPCODE;
        }
        if (Opcode.keyIdOf(first) != keyId) {
            return OpenStatus.UNEXPECTED_KEY_ID;
        }
        int headerLength = op == Opcode.P_DATA_V2 ? 4 : 1;
        int ctPos = start + headerLength + PACKET_ID_LENGTH + AeadAlgorithm.TAG_LENGTH;
        if (length < ctPos - start) {
            return OpenStatus.TRUNCATED;
        }
        int n = start + length - ctPos;
        if (out.remaining() < n) {
            return OpenStatus.TOO_LARGE;
        }
        long pid = packet.getInt(start + headerLength) & 0xFFFF_FFFFL;
        if (!replay.wouldAccept(pid, nowNanos)) {
            return OpenStatus.REPLAY; // cheap pre-check; the authoritative one follows decryption
        }
        int aadLength = fillAad(op, packet, start, openAad);
        putPacketId(decryptNonce, pid);
        // OpenVPN puts the tag before the ciphertext, JCE wants it after. Handing JCE the pieces
        // through update() makes GCM buffer the whole ciphertext internally (it may not release
        // plaintext before the tag is checked); one contiguous doFinal is markedly faster.
        int needed = n + AeadAlgorithm.TAG_LENGTH;
        ByteBuffer openScratch = scratch(OPEN_SCRATCH, needed);
        byte[] joined = openScratch.array();
        packet.get(ctPos, joined, 0, n);
        packet.get(start + headerLength + PACKET_ID_LENGTH, joined, n, AeadAlgorithm.TAG_LENGTH);
        openScratch.limit(needed).position(0);
        int outStart = out.position();
        try {
            decryptor.init(Cipher.DECRYPT_MODE, decryptKey, spec(decryptNonce));
            decryptor.updateAAD(openAad, 0, aadLength);
            decryptor.doFinal(openScratch, out);
        } catch (AEADBadTagException e) {
            out.position(outStart);
            return OpenStatus.AUTHENTICATION_FAILED;
        } catch (GeneralSecurityException e) {
            out.position(outStart);
            return OpenStatus.AUTHENTICATION_FAILED;
        }
        out.position(outStart + n);
        if (!replay.tryAccept(pid, nowNanos)) {
            out.position(outStart);
            return OpenStatus.REPLAY;
        }
        return OpenStatus.OK;
    }

    private static ByteBuffer scratch(ThreadLocal<ByteBuffer[]> perThread, int needed) {
        ByteBuffer[] holder = perThread.get();
        ByteBuffer buffer = holder[0];
        if (buffer == null || buffer.capacity() < needed) {
            buffer = ByteBuffer.allocate(Math.max(needed, 2048));
            holder[0] = buffer;
        }
        buffer.clear();
        return buffer;
    }

    private static int fillAad(Opcode op, ByteBuffer packet, int start, byte[] aad) {
        if (op == Opcode.P_DATA_V2) {
            packet.get(start, aad, 0, 8);
            return 8;
        }
        packet.get(start + 1, aad, 0, 4);
        return 4;
    }

    private static void putPacketId(byte[] nonce, long pid) {
        nonce[0] = (byte) (pid >>> 24);
        nonce[1] = (byte) (pid >>> 16);
        nonce[2] = (byte) (pid >>> 8);
        nonce[3] = (byte) pid;
    }

    private java.security.spec.AlgorithmParameterSpec spec(byte[] nonce) {
        return algorithm == AeadAlgorithm.CHACHA20_POLY1305
                ? new IvParameterSpec(nonce) : new GCMParameterSpec(AeadAlgorithm.TAG_LENGTH * 8, nonce);
    }
}
