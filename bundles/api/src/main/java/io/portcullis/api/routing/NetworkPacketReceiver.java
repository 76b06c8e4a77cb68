package io.portcullis.api.routing;

import org.osgi.annotation.versioning.ConsumerType;

import java.nio.ByteBuffer;

/**
 * The endpoint's side of a {@link RoutingAttachment}: packets from the networks toward clients.
 * The endpoint picks the session by destination address. Calls come from the engine's I/O
 * threads and must not block.
 */
@ConsumerType
public interface NetworkPacketReceiver {

    /** One IP packet; the buffer is valid only during the call. */
    void received(RoutingAttachment attachment, ByteBuffer ipPacket);

    /**
     * The engine handed over a batch of packets (one device read) through {@link #received}: push
     * out what they caused, so transports can send them together. Called on the same thread.
     */
    default void batchEnd(RoutingAttachment attachment) {
    }

    /** The attachment closed, because it was closed or because its engine went away. */
    default void attachmentClosed(RoutingAttachment attachment) {
    }
}
