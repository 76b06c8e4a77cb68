package io.portcullis.protocol.packet;

import java.util.List;

/**
 * The ACK block of a control packet: message packet-ids being acknowledged, followed on the
 * wire by the session id of the peer whose packets they are (only when the list is non-empty).
 */
public record AckBlock(List<Long> packetIds, SessionId remoteSessionId) {

    /** OpenVPN 2.6 rejects a packet announcing more than 8 ACKs. */
    public static final int MAX_ACKS = 8;
    public static final AckBlock EMPTY = new AckBlock(List.of(), SessionId.UNDEFINED);

    public AckBlock {
        packetIds = List.copyOf(packetIds);
        if (packetIds.size() > MAX_ACKS) {
            throw new IllegalArgumentException("at most " + MAX_ACKS + " ACKs per packet");
        }
        for (long id : packetIds) {
            if (id < 0 || id > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("packet id out of u32 range: " + id);
            }
        }
        if (remoteSessionId == null) {
            remoteSessionId = SessionId.UNDEFINED;
        }
    }

    public static AckBlock of(SessionId remoteSessionId, long... ids) {
        return new AckBlock(java.util.Arrays.stream(ids).boxed().toList(), remoteSessionId);
    }

    public boolean isEmpty() {
        return packetIds.isEmpty();
    }

    /** Bytes on the wire: count byte, 4 per id, 8 for the session id if any. */
    public int encodedLength() {
        return 1 + (packetIds.isEmpty() ? 0 : 4 * packetIds.size() + SessionId.LENGTH);
    }
}
