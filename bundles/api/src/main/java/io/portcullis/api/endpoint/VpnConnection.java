package io.portcullis.api.endpoint;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * One live connection of an endpoint, as {@code vpn:connections} shows it.
 *
 * @param id        the connection id, as in the logs
 * @param endpointId the endpoint it belongs to
 * @param user      the authenticated user name; empty while signing in
 * @param groups    the user's groups
 * @param clientIp  the address leased to the client in the tunnel; empty before it has one
 * @param device    where the client connects from
 * @param started   when the connection attempt began
 * @param ingressBytes bytes received from the client: decrypted tunnel payload (IP packets, keepalives)
 * @param egressBytes  bytes sent to the client: tunnel payload before encryption
 * @param cipher    the data-channel cipher; empty before keys exist
 */
public record VpnConnection(String id, String endpointId, Optional<String> user, Set<String> groups,
                            Optional<String> clientIp, InetSocketAddress device, Instant started,
                            long ingressBytes, long egressBytes, long ingressPackets, long egressPackets,
                            Optional<String> cipher) {

    public VpnConnection {
        groups = Set.copyOf(groups);
    }
}
