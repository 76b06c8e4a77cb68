package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.replay.LongFormReplayWindow;
import java.nio.ByteBuffer;

/**
 * Per-session control-channel wrapping: numbers outgoing packets with the long-form replay id
 * (counter from 1, incremented on every transmission including retransmits, time fixed at
 * creation as OpenVPN does) and replay-checks incoming ones after authentication.
 * Not thread-safe.
 */
public final class ControlChannelCodec {

    private final ControlChannelProtection protection;
    private final LongFormReplayWindow replay = new LongFormReplayWindow();
    private long nextReplayPacketId = 1;
    private long replayTime;

    /**
     * @param protection the wrapping (owned by this codec from now on)
     * @param unixSeconds the sender time written into replay ids (injected wall-clock seconds)
     */
    public ControlChannelCodec(ControlChannelProtection protection, long unixSeconds) {
        this.protection = protection;
        this.replayTime = unixSeconds & 0xFFFF_FFFFL;
    }

    public ControlChannelProtection protection() {
        return protection;
    }

    /** Wraps a packet for transmission, consuming one replay id. */
    public byte[] seal(ControlPacket packet) {
        ReplayId id = null;
        if (protection.hasReplayId()) {
            if (nextReplayPacketId > 0xFFFF_FFFFL) {
                // Counter exhausted: move the epoch forward, as OpenVPN does on wrap.
                replayTime = (replayTime + 1) & 0xFFFF_FFFFL;
                nextReplayPacketId = 1;
            }
            id = new ReplayId(nextReplayPacketId++, replayTime);
        }
        return protection.wrap(packet, id);
    }

    /** Unwraps, authenticates and replay-checks all remaining bytes of {@code wire}. */
    public ParseResult<ControlPacket> open(ByteBuffer wire, long nowNanos) {
        ParseResult<Unwrapped> result = protection.unwrap(wire);
        if (!(result instanceof ParseResult.Ok<Unwrapped> ok)) {
            return result.castDrop();
        }
        return accept(ok.value(), nowNanos);
    }

    /** Replay-checks a packet that was already authenticated (e.g. by a first-packet check). */
    public ParseResult<ControlPacket> accept(Unwrapped unwrapped, long nowNanos) {
        ReplayId id = unwrapped.replayId();
        if (id != null && !replay.tryAccept(id.packetId(), id.time(), nowNanos)) {
            return ParseResult.dropped(DropReason.REPLAY, "replayed control packet id " + id);
        }
        return ParseResult.ok(unwrapped.packet());
    }

    /**
     * Sets the next outgoing replay packet id; a server that answered a reset statelessly
     * continues from 2.
     */
    public void continueReplayCounterFrom(long nextId) {
        if (nextId < 1 || nextId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("replay id must be 1..2^32-1");
        }
        this.nextReplayPacketId = nextId;
    }
}
