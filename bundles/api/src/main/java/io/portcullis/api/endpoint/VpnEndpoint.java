package io.portcullis.api.endpoint;

import io.portcullis.api.net.IpNetwork;
import org.osgi.annotation.versioning.ProviderType;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * A configured OpenVPN endpoint, as operators see it. Registered by the endpoint bundle as a
 * service, one per endpoint configuration.
 */
@ProviderType
public interface VpnEndpoint {

    /** Whether the endpoint serves clients now. */
    enum State { RUNNING, WAITING_FOR_PLUGINS, FAILED }

    /** The endpoint's id: the NAME of etc/io.portcullis.endpoint-NAME.cfg. */
    String id();

    /** Transport plugin name, e.g. udp. */
    String transportProtocol();

    /** The configured listen address and port. */
    InetSocketAddress listenAddress();

    IpNetwork clientCidrBlock();

    State state();

    /** Why the endpoint is not running, or empty when it is. */
    Optional<String> stateDetail();

    /** The live connections, authenticated or still signing in. */
    List<VpnConnection> connections();

    /**
     * Ends a connection, telling the client; its address returns to the pool.
     *
     * @return false when no such connection is live
     */
    boolean disconnect(String connectionId, String reason);
}
