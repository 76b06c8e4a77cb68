package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.ControlPacketCodec;
import io.portcullis.protocol.packet.ParseResult;
import java.nio.ByteBuffer;

/** Plain control packets, as used by AWS Client VPN style profiles. */
public final class NoProtection implements ControlChannelProtection {

    public static final NoProtection INSTANCE = new NoProtection();

    private NoProtection() {
    }

    @Override
    public int overhead() {
        return 0;
    }

    @Override
    public boolean hasReplayId() {
        return false;
    }

    @Override
    public byte[] wrap(ControlPacket packet, ReplayId replayId) {
        return ControlPacketCodec.encode(packet);
    }

    @Override
    public ParseResult<Unwrapped> unwrap(ByteBuffer packet) {
        ParseResult<ControlPacket> decoded = ControlPacketCodec.decode(packet);
        if (decoded instanceof ParseResult.Ok<ControlPacket> ok) {
            return ParseResult.ok(new Unwrapped(ok.value(), null));
        }
        return decoded.castDrop();
    }

    @Override
    public String toString() {
        return "none";
    }
}
