package io.portcullis.endpoint.runtime;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.endpoint.Route;
import io.portcullis.api.net.IpNetwork;
import io.portcullis.endpoint.authz.AuthorizationTable;
import io.portcullis.endpoint.authz.UserAccess;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which packets a client may exchange with the networks: its source must be its own address, the
 * far end must lie in a route of the endpoint's route table, and the authorization rules must let
 * the user reach it. Checked for every packet in both directions; rules and routes are swapped as a
 * whole when the configuration changes, and each connection's precomputed access follows on its
 * next packet, so a change applies to live sessions at once.
 */
public final class TrafficPolicy {

    /**
     * Rules and routes in force, swapped together so that a packet is judged against one consistent
     * pair. The route table is an all-users rule set: "is this address routed" is the same lookup.
     */
    private record Tables(AuthorizationTable rules, AuthorizationTable routes, UserAccess anyone) {
    }

    private volatile Tables tables;

    public TrafficPolicy(List<AuthorizationRule> rules, List<Route> routes) {
        update(rules, routes);
    }

    void update(List<AuthorizationRule> newRules, List<Route> newRoutes) {
        AuthorizationTable routeTable = AuthorizationTable.of(newRoutes.stream()
                .map(r -> new AuthorizationRule(r.destination(), Optional.empty(), r.description())).toList());
        this.tables = new Tables(AuthorizationTable.of(newRules), routeTable, routeTable.access(Set.of()));
    }

    /** The connection's access under {@code table}, recomputed once after each change. */
    private static UserAccess access(ClientConnection connection, AuthorizationTable table) {
        UserAccess access = connection.access;
        if (access == null || access.table() != table) {
            var user = connection.user;
            access = table.access(user == null ? Set.of() : user.groups());
            connection.access = access;
        }
        return access;
    }

    /** A packet from the client: its own source, a routed and authorized destination. */
    boolean allowsOutbound(ClientConnection connection, ByteBuffer ip) {
        int p = ip.position();
        int version = ip.remaining() > 0 ? (ip.get(p) & 0xf0) : 0;
        if (version == 0x40 && ip.remaining() >= 20) {
            if (connection.address == null || ip.getInt(p + 12) != connection.addressKey) {
                return false;
            }
            return reaches(connection, ip.getInt(p + 16));
        }
        if (version == 0x60 && ip.remaining() >= 40) {
            if (connection.address6 == null || ip.getLong(p + 8) != connection.address6High
                    || ip.getLong(p + 16) != connection.address6Low) {
                return false;
            }
            return reaches(connection, ip.getLong(p + 24), ip.getLong(p + 32));
        }
        return false;
    }

    /** A packet toward the client (already matched to it by destination): an authorized source. */
    boolean allowsInbound(ClientConnection connection, ByteBuffer ip) {
        int p = ip.position();
        return (ip.get(p) & 0xf0) == 0x40 ? reaches(connection, ip.getInt(p + 12))
                : reaches(connection, ip.getLong(p + 8), ip.getLong(p + 16));
    }

    /** Whether the far end of the client's traffic is routed and its rules let the user reach it. */
    private boolean reaches(ClientConnection connection, int address) {
        Tables t = tables;
        return t.routes.allowsIpv4(t.anyone, address) && t.rules.allowsIpv4(access(connection, t.rules), address);
    }

    private boolean reaches(ClientConnection connection, long high, long low) {
        Tables t = tables;
        return t.routes.allowsIpv6(t.anyone, high, low) && t.rules.allowsIpv6(access(connection, t.rules), high, low);
    }

    /** The routes a user with these groups may use: what split tunnel pushes to it. */
    List<IpNetwork> routesFor(Set<String> groups, List<Route> table) {
        AuthorizationTable rules = tables.rules;
        UserAccess access = rules.access(groups);
        return table.stream().map(Route::destination).filter(network -> rules.authorizesSomeOf(access, network)).toList();
    }

    public AuthorizationVerdict explain(Set<String> groups, InetAddress destination) {
        Tables t = tables;
        AuthorizationVerdict verdict = t.rules.explain(groups, destination);
        if (verdict.allowed() && !t.routes.explain(Set.of(), destination).allowed()) {
            return new AuthorizationVerdict(false, verdict.destination(), verdict.groups(), verdict.decidingNetwork(),
                    verdict.decidingRules(), Optional.empty(), verdict.reason() + "; but no route of the endpoint's "
                    + "route table covers " + destination.getHostAddress() + ", so its traffic is dropped (vpn:route-add)");
        }
        return verdict;
    }
}
