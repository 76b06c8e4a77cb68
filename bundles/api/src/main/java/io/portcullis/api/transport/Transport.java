package io.portcullis.api.transport;

import io.portcullis.api.io.IoThreads;
import org.osgi.annotation.versioning.ConsumerType;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Carries OpenVPN packets between clients and an endpoint: one packet per UDP datagram, or one
 * length-framed packet per TCP frame. The transport only moves bytes; it never interprets them.
 * <p>
 * Registered as a service with {@link #NAME_PROPERTY} naming it, e.g. {@code portcullis.transport=udp}.
 * The service may go away at any time (its bundle stopped or updated): every binding it made is
 * closed then, and its receivers are told through {@link PacketReceiver#bindingClosed}.
 */
@ConsumerType
public interface Transport {

    /** Service property naming the transport, e.g. {@code udp} or {@code tcp}. */
    String NAME_PROPERTY = "portcullis.transport";

    /** The transport's name, equal to its {@link #NAME_PROPERTY}. */
    String name();

    /**
     * Starts listening and hands every packet that arrives to {@code receiver}.
     *
     * @param local where to listen, or {@code null} for the transport's configured default
     * @return completes with the binding once the socket listens, or exceptionally (for example
     *         with a {@link java.net.BindException}) when it cannot
     */
    CompletionStage<TransportBinding> bind(InetSocketAddress local, PacketReceiver receiver);

    /** The bindings currently open, for operators' views. */
    List<TransportBinding> bindings();

    /**
     * The threads this transport reads on, if it lends them to a routing engine (see
     * {@link IoThreads}); empty when it does not. They live as long as this service.
     */
    default Optional<IoThreads> ioThreads() {
        return Optional.empty();
    }
}
