package io.portcullis.api.transport;

import org.osgi.annotation.versioning.ConsumerType;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Whoever consumes a transport (the endpoint) implements this. Calls come from the transport's
 * I/O threads: they must not block. Calls for one peer never overlap.
 */
@ConsumerType
public interface PacketReceiver {

    /**
     * One packet from {@code peer}. The buffer is only valid during the call: copy what must be kept.
     * Throwing drops the packet and counts it; it never closes the binding.
     */
    void received(TransportBinding binding, InetSocketAddress peer, ByteBuffer packet);

    /**
     * The transport handed over a batch of packets (one read of its socket) through {@link #received}:
     * push out what they caused, so that a routing engine can write them to its device together.
     * Called on the thread that delivered the batch.
     */
    default void batchEnd(TransportBinding binding) {
    }

    /** A connection-oriented peer went away (TCP close or reset). */
    default void disconnected(TransportBinding binding, InetSocketAddress peer) {
    }

    /** The binding closed, because it was closed or because its transport went away. */
    default void bindingClosed(TransportBinding binding) {
    }
}
