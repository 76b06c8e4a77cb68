package io.portcullis.api.endpoint;

import io.portcullis.api.net.IpNetwork;

import java.util.Objects;

/**
 * One entry of an endpoint's route table: traffic from clients to {@code destination} is forwarded
 * through {@code target}, and (in split-tunnel mode) the route is pushed to clients authorized for
 * some part of it.
 * <p>
 * {@code target} is {@link #LOCAL} (the appliance's own routing table decides, the usual case), a
 * Linux interface name (a route through that device), or a next-hop IP address. Stored in the
 * endpoint's configuration as {@code route.<n> = <cidr>|<target>|<description>}, e.g.
 * {@code route.1 = 10.1.0.0/16|local|Office LAN}.
 */
public record Route(IpNetwork destination, String target, String description) {

    public static final String PROPERTY_PREFIX = "route.";
    public static final String LOCAL = "local";

    public Route {
        Objects.requireNonNull(destination, "destination");
        target = target == null || target.isBlank() ? LOCAL : target.strip();
        description = description == null ? "" : description.strip();
        if (!target.equals(LOCAL) && !target.matches("[A-Za-z0-9_.-]{1,15}") && !target.contains(":")) {
            throw new IllegalArgumentException("target '" + target + "' is not 'local', an interface name or an IP address");
        }
        if (description.length() > AuthorizationRule.MAX_DESCRIPTION || description.contains("\n")) {
            throw new IllegalArgumentException("description must be one line of at most "
                    + AuthorizationRule.MAX_DESCRIPTION + " characters");
        }
    }

    /** The next hop, when the target is an IP address literal. */
    public java.util.Optional<java.net.InetAddress> nextHop() {
        if (target.equals(LOCAL) || !(target.contains(":") || target.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(IpNetwork.parseAddress(target));
    }

    public String format() {
        return destination + "|" + target + "|" + description;
    }

    /**
     * Parses {@code <cidr>|<target>|<description>}; target and description may be left out.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static Route parse(String value) {
        String[] parts = value == null ? new String[0] : value.split("\\|", 3);
        if (parts.length == 0 || parts[0].isBlank()) {
            throw new IllegalArgumentException("'" + value + "' is not <cidr>|<target>|<description>");
        }
        Route route = new Route(IpNetwork.parse(parts[0]), parts.length > 1 ? parts[1] : LOCAL,
                parts.length > 2 ? parts[2] : "");
        route.nextHop(); // refuses a malformed address target now, not at use
        return route;
    }
}
