package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.ControlPacketCodec;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.packet.SessionId;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * tls-crypt v1 (reference §3.3): AES-256-CTR + HMAC-SHA256, SIV style. Wire layout
 * {@code op|kid, sid, replay pid, replay time, tag(32), AES-CTR(tail)}; the tag is
 * HMAC-SHA256 over the 17-byte clear header and the plaintext tail, its first 16 bytes the IV.
 * Directions are fixed by role: the server sends with key record 0 and receives with 1.
 * Thread-safe: one instance serves every session of an endpoint.
 */
public final class TlsCrypt implements ControlChannelProtection {

    public static final int TAG_LENGTH = 32;
    /** op|kid, sid, replay id. */
    public static final int CLEAR_HEADER_LENGTH = ControlPacketCodec.HEADER_LENGTH + ReplayId.LENGTH;
    public static final int OVERHEAD = ReplayId.LENGTH + TAG_LENGTH;

    private final boolean server;
    private final SecretKeySpec sendCipherKey;
    private final SecretKeySpec receiveCipherKey;
    private final JcaInstances<Primitives> primitives;

    /** What one wrap or unwrap uses; keyed MACs, the cipher is keyed per packet (its IV is the tag). */
    private record Primitives(Mac sendMac, Mac receiveMac, Cipher ctr) {
    }

    private TlsCrypt(StaticKey key, boolean server) {
        this.server = server;
        int out = server ? 0 : 1;
        int in = 1 - out;
        this.sendCipherKey = new SecretKeySpec(key.cipherKey(out, 32), "AES");
        this.receiveCipherKey = new SecretKeySpec(key.cipherKey(in, 32), "AES");
        SecretKeySpec sendHmacKey = new SecretKeySpec(key.hmacKey(out, 32), "HmacSHA256");
        SecretKeySpec receiveHmacKey = new SecretKeySpec(key.hmacKey(in, 32), "HmacSHA256");
        this.primitives = new JcaInstances<>(() -> {
            try {
                Mac send = Mac.getInstance("HmacSHA256");
                send.init(sendHmacKey);
                Mac receive = Mac.getInstance("HmacSHA256");
                receive.init(receiveHmacKey);
                return new Primitives(send, receive, Cipher.getInstance("AES/CTR/NoPadding"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("JDK lacks AES-CTR or HMAC-SHA256", e);
            }
        });
    }

    public static TlsCrypt forServer(StaticKey key) {
        return new TlsCrypt(key, true);
    }

    public static TlsCrypt forClient(StaticKey key) {
        return new TlsCrypt(key, false);
    }

    @Override
    public int overhead() {
        return OVERHEAD;
    }

    @Override
    public boolean hasReplayId() {
        return true;
    }

    @Override
    public byte[] wrap(ControlPacket packet, ReplayId replayId) {
        int tailLength = ControlPacketCodec.tailLength(packet);
        ByteBuffer out = ByteBuffer.allocate(CLEAR_HEADER_LENGTH + TAG_LENGTH + tailLength);
        ControlPacketCodec.writeHeader(packet, out);
        out.putInt((int) replayId.packetId()).putInt((int) replayId.time());
        ByteBuffer plain = ByteBuffer.allocate(tailLength);
        ControlPacketCodec.writeTail(packet, plain);
        byte[] wire = out.array();
        Primitives p = primitives.take();
        p.sendMac().update(wire, 0, CLEAR_HEADER_LENGTH);
        p.sendMac().update(plain.array());
        byte[] tag = p.sendMac().doFinal();
        System.arraycopy(tag, 0, wire, CLEAR_HEADER_LENGTH, TAG_LENGTH);
        try {
            p.ctr().init(Cipher.ENCRYPT_MODE, sendCipherKey, new IvParameterSpec(tag, 0, 16));
            p.ctr().doFinal(plain.array(), 0, tailLength, wire, CLEAR_HEADER_LENGTH + TAG_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed", e); // p is not given back: its state is unknown
        }
        primitives.give(p);
        return wire;
    }

    @Override
    public ParseResult<Unwrapped> unwrap(ByteBuffer in) {
        int length = in.remaining();
        if (length < CLEAR_HEADER_LENGTH + TAG_LENGTH + 1) {
            return ParseResult.dropped(DropReason.TRUNCATED, "shorter than tls-crypt header");
        }
        byte[] wire = new byte[length];
        in.get(wire);
        int first = wire[0] & 0xFF;
        Opcode opcode = Opcode.fromFirstByte(first);
        ParseResult<Opcode> opCheck = ControlPacketCodec.checkControlOpcode(opcode, first);
        if (!opCheck.isOk()) {
            return opCheck.castDrop();
        }
        int ctPos = CLEAR_HEADER_LENGTH + TAG_LENGTH;
        byte[] plain;
        Primitives p = primitives.take();
        try {
            p.ctr().init(Cipher.DECRYPT_MODE, receiveCipherKey, new IvParameterSpec(wire, CLEAR_HEADER_LENGTH, 16));
            plain = p.ctr().doFinal(wire, ctPos, length - ctPos);
        } catch (GeneralSecurityException e) {
            return ParseResult.dropped(DropReason.AUTHENTICATION_FAILED, "AES-CTR failed");
        }
        p.receiveMac().update(wire, 0, CLEAR_HEADER_LENGTH);
        p.receiveMac().update(plain);
        byte[] tag = p.receiveMac().doFinal();
        primitives.give(p);
        if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(wire, CLEAR_HEADER_LENGTH, ctPos))) {
            return ParseResult.dropped(DropReason.AUTHENTICATION_FAILED, "tls-crypt tag mismatch");
        }
        ByteBuffer header = ByteBuffer.wrap(wire, 1, CLEAR_HEADER_LENGTH - 1);
        SessionId sid = SessionId.read(header);
        ReplayId replayId = new ReplayId(header.getInt() & 0xFFFF_FFFFL, header.getInt() & 0xFFFF_FFFFL);
        ParseResult<ControlPacket> tail =
                ControlPacketCodec.decodeTail(opcode, Opcode.keyIdOf(first), sid, ByteBuffer.wrap(plain));
        if (tail instanceof ParseResult.Ok<ControlPacket> ok) {
            return ParseResult.ok(new Unwrapped(ok.value(), replayId));
        }
        return tail.castDrop();
    }

    @Override
    public String toString() {
        return "tls-crypt(" + (server ? "server" : "client") + ")";
    }
}
