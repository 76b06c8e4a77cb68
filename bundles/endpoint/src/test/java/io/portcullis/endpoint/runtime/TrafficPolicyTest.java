package io.portcullis.endpoint.runtime;

import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.Route;
import io.portcullis.api.net.IpNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class TrafficPolicyTest {

    private static final List<Route> ROUTES = List.of(Route.parse("10.1.0.0/16"), Route.parse("10.2.0.0/16"),
            Route.parse("fd01::/64"));

    @Test
    void packetsNeedTheClientsOwnSourceARouteAndARuleInBothDirections() throws Exception {
        TrafficPolicy policy = new TrafficPolicy(List.of(AuthorizationRule.parse("10.1.0.0/16|group=eng|"),
                AuthorizationRule.parse("10.2.0.0/16|all-users|")), ROUTES);
        ClientConnection alice = connection("alice", Set.of("eng"), "10.8.0.2", null);
        ClientConnection bob = connection("bob", Set.of("sales"), "10.8.0.3", null);

        assertTrue(policy.allowsOutbound(alice, ipv4("10.8.0.2", "10.1.0.10")));
        assertTrue(policy.allowsInbound(alice, ipv4("10.1.0.10", "10.8.0.2")));
        assertFalse(policy.allowsOutbound(bob, ipv4("10.8.0.3", "10.1.0.10")), "no rule for sales");
        assertFalse(policy.allowsInbound(bob, ipv4("10.1.0.10", "10.8.0.3")), "nor on the way back");
        assertTrue(policy.allowsOutbound(bob, ipv4("10.8.0.3", "10.2.0.10")));
        assertFalse(policy.allowsOutbound(bob, ipv4("10.8.0.2", "10.2.0.10")), "spoofed source");
        assertFalse(policy.allowsOutbound(alice, ipv4("10.8.0.2", "10.3.0.10")), "no route");
        assertFalse(policy.allowsOutbound(alice, ByteBuffer.wrap(new byte[]{0x45, 0})), "truncated");
    }

    @Test
    void aRuleChangeReachesAConnectedUserAtItsNextPacket() throws Exception {
        TrafficPolicy policy = new TrafficPolicy(List.of(), ROUTES);
        ClientConnection bob = connection("bob", Set.of("sales"), "10.8.0.3", null);
        assertFalse(policy.allowsOutbound(bob, ipv4("10.8.0.3", "10.1.0.10")));
        policy.update(List.of(AuthorizationRule.parse("10.1.0.0/16|group=SALES|")), ROUTES);
        assertTrue(policy.allowsOutbound(bob, ipv4("10.8.0.3", "10.1.0.10")), "group names ignore case");
        policy.update(List.of(), ROUTES);
        assertFalse(policy.allowsOutbound(bob, ipv4("10.8.0.3", "10.1.0.10")));
    }

    @Test
    void clientToClientNeedsARouteToTheClientNetworkAndARule() throws Exception {
        ClientConnection alice = connection("alice", Set.of("eng"), "10.8.0.2", null);
        ClientConnection bob = connection("bob", Set.of("eng"), "10.8.0.3", null);
        TrafficPolicy policy = new TrafficPolicy(List.of(AuthorizationRule.parse("10.8.0.0/24|group=eng|")), ROUTES);
        assertFalse(policy.allowsOutbound(alice, ipv4("10.8.0.2", "10.8.0.3")), "no route to the client network");
        List<Route> withClients = new java.util.ArrayList<>(ROUTES);
        withClients.add(Route.parse("10.8.0.0/24|local|clients"));
        policy.update(List.of(AuthorizationRule.parse("10.8.0.0/24|group=eng|")), withClients);
        assertTrue(policy.allowsOutbound(alice, ipv4("10.8.0.2", "10.8.0.3")));
        assertTrue(policy.allowsInbound(bob, ipv4("10.8.0.2", "10.8.0.3")));
        policy.update(List.of(), withClients);
        assertFalse(policy.allowsOutbound(alice, ipv4("10.8.0.2", "10.8.0.3")), "a route alone is not a rule");
    }

    @Test
    void ipv6IsCheckedLikeIpv4() throws Exception {
        TrafficPolicy policy = new TrafficPolicy(List.of(AuthorizationRule.parse("fd01::/64|group=eng|")), ROUTES);
        ClientConnection alice = connection("alice", Set.of("eng"), "10.8.0.2", "fd00:8::2");
        assertTrue(policy.allowsOutbound(alice, ipv6("fd00:8::2", "fd01::10")));
        assertTrue(policy.allowsInbound(alice, ipv6("fd01::10", "fd00:8::2")));
        assertFalse(policy.allowsOutbound(alice, ipv6("fd00:8::3", "fd01::10")), "spoofed source");
        assertFalse(policy.allowsOutbound(alice, ipv6("fd00:8::2", "fd02::10")), "no route");
    }

    @Test
    void splitTunnelRoutesAreThoseTheGroupsMayUseAndExplainNamesAMissingRoute() throws Exception {
        TrafficPolicy policy = new TrafficPolicy(List.of(AuthorizationRule.parse("10.1.5.0/24|group=eng|"),
                AuthorizationRule.parse("10.2.0.0/16|group=sales|"), AuthorizationRule.parse("10.9.0.0/16|all-users|")),
                ROUTES);
        assertEquals(List.of(IpNetwork.parse("10.1.0.0/16")), policy.routesFor(Set.of("eng"), ROUTES));
        assertEquals(List.of(IpNetwork.parse("10.2.0.0/16")), policy.routesFor(Set.of("sales"), ROUTES));
        var verdict = policy.explain(Set.of(), InetAddress.getByName("10.9.0.1"));
        assertFalse(verdict.allowed());
        assertTrue(verdict.reason().contains("no route"), verdict.reason());
    }

    private static ClientConnection connection(String user, Set<String> groups, String v4, String v6) throws Exception {
        ClientConnection c = new ClientConnection(user + "-1", new InetSocketAddress("127.0.0.1", 40000), null, null);
        c.user = new AuthenticatedUser(user, groups, Map.of(), "certificate");
        c.address = InetAddress.getByName(v4);
        c.addressKey = ByteBuffer.wrap(c.address.getAddress()).getInt();
        if (v6 != null) {
            c.address6 = InetAddress.getByName(v6);
            ByteBuffer b = ByteBuffer.wrap(c.address6.getAddress());
            c.address6High = b.getLong(0);
            c.address6Low = b.getLong(8);
        }
        return c;
    }

    static ByteBuffer ipv4(String source, String destination) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.put(0, (byte) 0x45).putShort(2, (short) 28);
        b.put(12, InetAddress.getByName(source).getAddress()).put(16, InetAddress.getByName(destination).getAddress());
        return b;
    }

    static ByteBuffer ipv6(String source, String destination) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(48);
        b.put(0, (byte) 0x60);
        b.put(8, InetAddress.getByName(source).getAddress()).put(24, InetAddress.getByName(destination).getAddress());
        return b;
    }
}
