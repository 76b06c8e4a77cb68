package io.portcullis.api.routing;

import io.portcullis.api.net.IpNetwork;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an endpoint asks of a {@link RoutingEngine}.
 *
 * @param endpointId        the endpoint's id, for naming and logs
 * @param interfaceName     the device name to use, or empty to let the engine choose
 * @param clientNetwork     the IPv4 client CIDR; the engine takes its first host address for itself
 * @param clientNetworkIpv6 the IPv6 client CIDR of a dual-stack endpoint, if any
 * @param mtu               the device MTU
 * @param sourceNat         whether to translate client addresses to the appliance's own when
 *                          leaving toward {@code routedNetworks}
 * @param routedNetworks    the networks clients may be forwarded to
 */
public record RoutingSpec(String endpointId, Optional<String> interfaceName, IpNetwork clientNetwork,
                          Optional<IpNetwork> clientNetworkIpv6, int mtu, boolean sourceNat,
                          List<IpNetwork> routedNetworks) {

    public RoutingSpec {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(clientNetwork, "clientNetwork");
        Objects.requireNonNull(clientNetworkIpv6, "clientNetworkIpv6");
        routedNetworks = List.copyOf(routedNetworks);
        if (mtu < 576 || mtu > 65535) {
            throw new IllegalArgumentException("mtu " + mtu + " is outside 576..65535");
        }
    }
}
