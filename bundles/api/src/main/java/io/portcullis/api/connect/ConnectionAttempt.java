package io.portcullis.api.connect;

import java.net.InetAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One signed-in connection, as a {@link ConnectionHandler} sees it. The fields are those a managed
 * client VPN's client-connect handler receives, with the user's groups added.
 *
 * @param connectionId         the connection id, as in the connection log
 * @param endpointId           the endpoint's id
 * @param commonName           the client certificate's CN, when the client presented one
 * @param username             the authenticated user name
 * @param platform             the client's platform (IV_PLAT: linux, win, mac, ios, android, ...)
 * @param platformVersion      the platform's version (IV_PLAT_VER), when the client sends it
 * @param publicIp             where the client connects from
 * @param clientOpenVpnVersion the client's OpenVPN version (IV_VER), e.g. 2.6.3
 * @param schemaVersion        the version of this record's layout, {@link #SCHEMA_VERSION}
 * @param groups               the user's groups, as authorization sees them
 * @param peerInfo             every IV_ variable the client sent (never a secret)
 */
public record ConnectionAttempt(String connectionId, String endpointId, Optional<String> commonName, String username,
                                Optional<String> platform, Optional<String> platformVersion, InetAddress publicIp,
                                Optional<String> clientOpenVpnVersion, String schemaVersion, Set<String> groups,
                                Map<String, String> peerInfo) {

    public static final String SCHEMA_VERSION = "v1";

    public ConnectionAttempt {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(publicIp, "publicIp");
        groups = Set.copyOf(groups);
        peerInfo = Map.copyOf(peerInfo);
    }
}
