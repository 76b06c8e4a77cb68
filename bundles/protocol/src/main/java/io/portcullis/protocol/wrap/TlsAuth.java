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
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * tls-auth: an HMAC over every control packet (reference §3.2). Wire layout
 * {@code op|kid, sid, HMAC, replay pid, replay time, tail}; the HMAC covers
 * {@code replay pid, replay time, op|kid, sid, tail}. Thread-safe: one instance serves every
 * session of an endpoint.
 */
public final class TlsAuth implements ControlChannelProtection {

    private final KeyDirection direction;
    private final HmacAlgorithm algorithm;
    private final JcaInstances<Mac> sendMacs;
    private final JcaInstances<Mac> receiveMacs;

    public TlsAuth(StaticKey key, KeyDirection direction, HmacAlgorithm algorithm) {
        this.direction = direction;
        this.algorithm = algorithm;
        SecretKeySpec sendKey = new SecretKeySpec(key.hmacKey(direction.outRecord(), algorithm.length()), algorithm.jcaName());
        SecretKeySpec receiveKey = new SecretKeySpec(key.hmacKey(direction.inRecord(), algorithm.length()), algorithm.jcaName());
        this.sendMacs = new JcaInstances<>(() -> mac(sendKey));
        this.receiveMacs = new JcaInstances<>(() -> mac(receiveKey));
    }

    private Mac mac(SecretKeySpec keySpec) {
        try {
            Mac m = Mac.getInstance(algorithm.jcaName());
            m.init(keySpec);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks " + algorithm.jcaName(), e);
        }
    }

    @Override
    public int overhead() {
        return algorithm.length() + ReplayId.LENGTH;
    }

    @Override
    public boolean hasReplayId() {
        return true;
    }

    @Override
    public byte[] wrap(ControlPacket packet, ReplayId replayId) {
        int hlen = algorithm.length();
        ByteBuffer out = ByteBuffer.allocate(ControlPacketCodec.encodedLength(packet) + overhead());
        ControlPacketCodec.writeHeader(packet, out);
        int macPos = out.position();
        out.position(macPos + hlen);
        out.putInt((int) replayId.packetId()).putInt((int) replayId.time());
        ControlPacketCodec.writeTail(packet, out);
        byte[] wire = out.array();
        Mac mac = sendMacs.take();
        macOver(mac, wire, hlen, wire, macPos);
        sendMacs.give(mac);
        return wire;
    }

    @Override
    public ParseResult<Unwrapped> unwrap(ByteBuffer in) {
        int hlen = algorithm.length();
        int start = in.position();
        int length = in.remaining();
        if (length < ControlPacketCodec.HEADER_LENGTH + hlen + ReplayId.LENGTH + 1) {
            return ParseResult.dropped(DropReason.TRUNCATED, "shorter than tls-auth header");
        }
        byte[] wire = new byte[length];
        in.get(wire);
        int first = wire[0] & 0xFF;
        Opcode opcode = Opcode.fromFirstByte(first);
        ParseResult<Opcode> opCheck = ControlPacketCodec.checkControlOpcode(opcode, first);
        if (!opCheck.isOk()) {
            return opCheck.castDrop();
        }
        byte[] computed = new byte[hlen];
        Mac mac = receiveMacs.take();
        macOver(mac, wire, hlen, computed, 0);
        receiveMacs.give(mac);
        if (!MessageDigest.isEqual(slice(wire, ControlPacketCodec.HEADER_LENGTH, hlen), computed)) {
            return ParseResult.dropped(DropReason.AUTHENTICATION_FAILED, "tls-auth HMAC mismatch");
        }
        ByteBuffer b = ByteBuffer.wrap(wire);
        b.position(1);
        SessionId sid = SessionId.read(b);
        b.position(b.position() + hlen);
        ReplayId replayId = new ReplayId(b.getInt() & 0xFFFF_FFFFL, b.getInt() & 0xFFFF_FFFFL);
        ParseResult<ControlPacket> tail = ControlPacketCodec.decodeTail(opcode, Opcode.keyIdOf(first), sid, b);
        in.position(start + length);
        if (tail instanceof ParseResult.Ok<ControlPacket> ok) {
            return ParseResult.ok(new Unwrapped(ok.value(), replayId));
        }
        return tail.castDrop();
    }

    // HMAC input: replay id, then op|kid and sid, then the tail; i.e. the wire minus the HMAC
    // field, with the replay id moved to the front.
    private void macOver(Mac mac, byte[] wire, int hlen, byte[] out, int outOffset) {
        int header = ControlPacketCodec.HEADER_LENGTH;
        int replayPos = header + hlen;
        mac.update(wire, replayPos, ReplayId.LENGTH);
        mac.update(wire, 0, header);
        int tailPos = replayPos + ReplayId.LENGTH;
        mac.update(wire, tailPos, wire.length - tailPos);
        try {
            mac.doFinal(out, outOffset);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] slice(byte[] b, int off, int len) {
        return java.util.Arrays.copyOfRange(b, off, off + len);
    }

    @Override
    public String toString() {
        return "tls-auth(" + algorithm + ", " + direction + ")";
    }
}
