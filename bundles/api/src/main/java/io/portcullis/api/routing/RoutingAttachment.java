package io.portcullis.api.routing;

import io.portcullis.api.net.IpNetwork;
import org.osgi.annotation.versioning.ConsumerType;

import io.portcullis.api.endpoint.Route;

import java.nio.ByteBuffer;
import java.util.List;

/** One endpoint's forwarding set up by a {@link RoutingEngine}. */
@ConsumerType
public interface RoutingAttachment extends AutoCloseable {

    /** The device the engine uses, e.g. {@code pcl0}. */
    String interfaceName();

    /**
     * Forwards one IP packet from a client toward the networks. The bytes between position and
     * limit are consumed before the call returns. Never blocks; drops and counts when it cannot.
     */
    void send(ByteBuffer ipPacket);

    /** Pushes out packets queued by {@link #send}; engines may batch until then. */
    default void flush() {
    }

    /** Replaces the networks clients are forwarded to (routes and NAT rules follow). */
    void updateRoutedNetworks(List<IpNetwork> routedNetworks);

    /**
     * Replaces the endpoint's route table: the networks clients are forwarded to, and for each
     * route whose target is not {@link Route#LOCAL} a host route through that interface or next hop.
     * Engines that cannot install routes forward to the destinations only.
     *
     * @throws IllegalStateException when the change could not be made; the previous state stays
     */
    default void updateRoutes(List<Route> routes) {
        updateRoutedNetworks(routes.stream().map(Route::destination).toList());
    }

    /** Tears down the device, routes and NAT rules; idempotent. */
    @Override
    void close();
}
