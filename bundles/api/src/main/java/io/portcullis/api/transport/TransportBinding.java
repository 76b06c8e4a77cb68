package io.portcullis.api.transport;

import org.osgi.annotation.versioning.ConsumerType;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One listening socket of a {@link Transport}. A peer is identified by its remote socket address,
 * which for TCP also identifies the connection.
 */
@ConsumerType
public interface TransportBinding extends AutoCloseable {

    /** The transport that made this binding. */
    String transportName();

    /** The address actually bound (the real port when port 0 was asked for). */
    InetSocketAddress localAddress();

    /**
     * Queues one packet to {@code peer}. The bytes between the buffer's position and limit are
     * copied before the call returns, so the caller may reuse the buffer. Never blocks; a packet
     * that cannot be queued (peer gone, buffers full) is dropped and counted.
     */
    void send(InetSocketAddress peer, ByteBuffer packet);

    /** Pushes out packets queued by {@link #send}; transports may batch until then. */
    default void flush() {
    }

    /** Ends the connection to {@code peer} (TCP); a no-op for connectionless transports. */
    void disconnect(InetSocketAddress peer);

    /** True while the socket is open. */
    boolean isOpen();

    /** Counters since the binding was made. */
    TransportStatistics statistics();

    /** Stops listening and releases the socket; idempotent. */
    @Override
    void close();
}
