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

    /**
     * An {@code .ovpn} profile for this endpoint that the stock OpenVPN 2.5/2.6 client imports as
     * is, once the user's certificate and key are added: client, dev tun, proto, remote, nobind,
     * remote-cert-tls server, data-ciphers, the CA ({@code clientRootCertificateChain}, which must
     * have signed the server certificate) and the tls-crypt or tls-auth key inline. It holds no
     * client certificate or key; append them as {@code <cert>} and {@code <key>} blocks.
     *
     * @param remoteHost the host name or address clients connect to; empty for the listen address
     * @throws IllegalArgumentException when the endpoint listens on a wildcard address and no
     *         remote host is given, or a file the profile needs is missing or unreadable
     * @throws IllegalStateException when the endpoint's setup cannot be expressed as a stock profile
     */
    String clientProfile(Optional<String> remoteHost);

    /**
     * The last {@code count} entries of the endpoint's connection log, oldest first: one JSON object
     * per line, one per connection attempt, periodic update and end.
     */
    List<String> connectionLog(int count);

    /** The IPv6 network client addresses come from on a dual-stack endpoint. */
    Optional<IpNetwork> clientIpv6CidrBlock();

    /** Whether clients receive only their authorized routes (true) or redirect-gateway (false). */
    boolean splitTunnel();

    /** The authorization rules in force, in configuration order. */
    List<AuthorizationRule> authorizationRules();

    /** The route table in force, in configuration order. */
    List<Route> routes();

    /**
     * Which rule lets a user with these groups reach {@code destination}, or why none does, against
     * the rules in force now.
     */
    AuthorizationVerdict explainAuthorization(java.util.Set<String> groups, java.net.InetAddress destination);

    /**
     * Where the endpoint reads its certificate revocation list, when it has one
     * ({@code clientCertificateRevocationList}).
     */
    Optional<java.nio.file.Path> certificateRevocationListFile();

    /** The CA certificate file that signs client certificates (and must sign an imported CRL). */
    java.nio.file.Path clientRootCertificateChainFile();
}
