package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.ParseResult;
import java.nio.ByteBuffer;

/**
 * How control packets are wrapped on the wire. Thread-safe: one instance, built from the
 * endpoint's static key, serves all its sessions (replay state is per session, in
 * {@link ControlChannelCodec}).
 */
public sealed interface ControlChannelProtection permits NoProtection, TlsAuth, TlsCrypt {

    /** Bytes this wrapping adds to a plain control packet. */
    int overhead();

    /** Whether packets carry a {@link ReplayId}. */
    boolean hasReplayId();

    /** The wire form of {@code packet}; {@code replayId} is ignored without protection. */
    byte[] wrap(ControlPacket packet, ReplayId replayId);

    /** Authenticates and decodes all remaining bytes of {@code packet}. Never throws on bad input. */
    ParseResult<Unwrapped> unwrap(ByteBuffer packet);
}
