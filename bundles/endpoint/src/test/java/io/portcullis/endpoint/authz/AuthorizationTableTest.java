package io.portcullis.endpoint.authz;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.net.IpNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class AuthorizationTableTest {

    private static final Set<String> ENG = Set.of("eng");
    private static final Set<String> SALES = Set.of("sales");

    @Test
    void aMoreSpecificPrefixDecidesAndABroaderRuleNeverRescues() {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                all("10.0.0.0/8"), group("10.1.0.0/16", "eng")));
        assertFalse(allows(table, SALES, "10.1.2.3"), "the /16 decides: sales is not eng");
        assertTrue(allows(table, SALES, "10.2.3.4"), "only the /8 covers this one");
        assertTrue(allows(table, ENG, "10.1.2.3"));
        assertTrue(allows(table, ENG, "10.255.0.1"));
        assertFalse(allows(table, ENG, "11.0.0.1"), "no rule: default deny");
    }

    @Test
    void zeroPrefixCoversOnlyWhatNoOtherRuleNames() {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                all("0.0.0.0/0"), group("192.168.0.0/16", "admins")));
        assertTrue(allows(table, SALES, "8.8.8.8"));
        assertTrue(allows(table, Set.of(), "255.255.255.255"));
        assertTrue(allows(table, Set.of(), "0.0.0.0"));
        assertFalse(allows(table, SALES, "192.168.1.1"));
        assertTrue(allows(table, Set.of("admins"), "192.168.1.1"));
        assertFalse(table.allowsIpv6(table.access(SALES), 0, 1), "an IPv4 /0 says nothing about IPv6");
    }

    @Test
    void rulesOnTheSamePrefixFormOneSet() {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                group("10.1.0.0/16", "eng"), group("10.1.0.0/16", "ops"), all("10.0.0.0/8")));
        assertTrue(allows(table, ENG, "10.1.0.9"));
        assertTrue(allows(table, Set.of("ops"), "10.1.0.9"));
        assertTrue(allows(table, Set.of("sales", "ops"), "10.1.0.9"));
        assertFalse(allows(table, SALES, "10.1.0.9"));
        assertEquals(3, table.size());
        assertEquals("10.1.0.0/16", table.rules().get(0).destination().toString(), "configuration order is kept");
    }

    @Test
    void aSetWithAnAllUsersRuleLetsEveryoneThrough() {
        AuthorizationTable table = AuthorizationTable.of(List.of(group("10.1.0.0/16", "eng"), all("10.1.0.0/16")));
        assertTrue(allows(table, Set.of(), "10.1.2.3"));
        assertTrue(allows(table, SALES, "10.1.2.3"));
    }

    @Test
    void groupNamesCompareCaseInsensitively() {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                group("10.1.0.0/16", "Engineering"), group("10.2.0.0/16", "ΟΔΟΣ")));
        assertTrue(allows(table, Set.of("engineering"), "10.1.0.1"));
        assertTrue(allows(table, Set.of("ENGINEERING"), "10.1.0.1"));
        assertTrue(allows(table, Set.of("οδοσ"), "10.2.0.1"), "final and medial sigma fold alike");
        assertFalse(allows(table, Set.of("engineers"), "10.1.0.1"));
        assertTrue(table.explain(Set.of("ENGINEERING"), ip("10.1.0.1")).allowed());
    }

    @Test
    void hostRules() {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                group("10.1.2.3/32", "eng"), all("10.1.2.0/24"), group("10.1.2.255/32", "ops"), group("10.9.9.9/32", "eng")));
        assertFalse(allows(table, SALES, "10.1.2.3"));
        assertTrue(allows(table, ENG, "10.1.2.3"));
        assertTrue(allows(table, SALES, "10.1.2.2"));
        assertTrue(allows(table, SALES, "10.1.2.4"));
        assertFalse(allows(table, ENG, "10.1.2.255"));
        assertTrue(allows(table, ENG, "10.9.9.9"));
        assertFalse(allows(table, ENG, "10.9.9.8"));
        assertFalse(allows(table, ENG, "10.9.9.10"));
    }

    @Test
    void ipv6RulesIncludingTheZeroPrefix() throws Exception {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                all("::/0"), group("2001:db8::/32", "eng"), all("2001:db8:1::/48"), group("2001:db8:1::7/128", "ops"),
                group("10.0.0.0/8", "eng")));
        assertTrue(allows6(table, SALES, "2a00:1450::1"), "::/0 covers the rest");
        assertFalse(allows6(table, SALES, "2001:db8:2::1"));
        assertTrue(allows6(table, ENG, "2001:db8:2::1"));
        assertTrue(allows6(table, SALES, "2001:db8:1::6"));
        assertFalse(allows6(table, SALES, "2001:db8:1::7"));
        assertTrue(allows6(table, Set.of("OPS"), "2001:db8:1::7"));
        assertFalse(allows(table, SALES, "11.0.0.1"), "::/0 says nothing about IPv4");
        AuthorizationVerdict verdict = table.explain(SALES, InetAddress.getByName("2001:db8:1::7"));
        assertEquals(Optional.of(IpNetwork.parse("2001:db8:1::7/128")), verdict.decidingNetwork());
        assertFalse(verdict.allowed());
    }

    @Test
    void theEmptyTableDeniesEverything() throws Exception {
        AuthorizationTable table = AuthorizationTable.EMPTY;
        UserAccess user = table.access(ENG);
        assertEquals(0, table.size());
        assertFalse(table.allowsIpv4(user, 0));
        assertFalse(table.allowsIpv4(user, ip4("10.1.2.3")));
        assertFalse(table.allowsIpv4(user, -1));
        assertFalse(table.allowsIpv6(user, 0, 0));
        assertFalse(table.allowsIpv6(user, -1, -1));
        assertFalse(table.authorizesSomeOf(user, IpNetwork.parse("0.0.0.0/0")));
        assertFalse(table.authorizesSomeOf(user, IpNetwork.parse("::/0")));
        assertFalse(table.explain(ENG, InetAddress.getByName("10.1.2.3")).allowed());
    }

    @Test
    void explainNamesTheDecidingNetworkAndRules() throws Exception {
        AuthorizationRule intranet = all("10.0.0.0/8");
        AuthorizationRule eng = AuthorizationRule.parse("10.1.0.0/16|group=eng|Build servers");
        AuthorizationRule ops = group("10.1.0.0/16", "ops");
        AuthorizationRule eng2 = group("10.1.0.0/16", "ENG");
        AuthorizationTable table = AuthorizationTable.of(List.of(intranet, eng, ops, eng2));

        AuthorizationVerdict denied = table.explain(SALES, ip("10.1.2.3"));
        assertFalse(denied.allowed());
        assertEquals(Optional.of(IpNetwork.parse("10.1.0.0/16")), denied.decidingNetwork());
        assertEquals(List.of(eng, ops, eng2), denied.decidingRules());
        assertEquals(Optional.empty(), denied.allowedBy());
        assertEquals("10.1.2.3 is in 10.1.0.0/16, the longest prefix with rules; its 3 rules allow groups eng, ops; "
                + "the user's groups [sales] are not among them (rules of the broader 10.0.0.0/8 do not apply)", denied.reason());

        AuthorizationVerdict allowed = table.explain(Set.of("Eng", "ops"), ip("10.1.2.3"));
        assertTrue(allowed.allowed());
        assertEquals(Optional.of(eng), allowed.allowedBy(), "the first matching rule in configuration order");
        assertTrue(allowed.reason().contains("10.1.0.0/16"), allowed.reason());
        assertTrue(allowed.reason().contains("Build servers"), allowed.reason());

        AuthorizationVerdict everyone = table.explain(SALES, ip("10.2.0.1"));
        assertTrue(everyone.allowed());
        assertEquals(Optional.of(intranet), everyone.allowedBy());
        assertEquals("10.2.0.1 is in 10.0.0.0/8, the longest prefix with rules; its rule all-users allows all users",
                everyone.reason());

        AuthorizationVerdict nothing = table.explain(ENG, ip("192.0.2.1"));
        assertFalse(nothing.allowed());
        assertEquals(Optional.empty(), nothing.decidingNetwork());
        assertEquals(List.of(), nothing.decidingRules());
        assertEquals("no rule covers 192.0.2.1: denied by default", nothing.reason());

        AuthorizationVerdict noGroups = table.explain(Set.of(), ip("10.1.0.0"));
        assertTrue(noGroups.reason().contains("the user is in no group"), noGroups.reason());
    }

    @Test
    void authorizesSomeOfRoutesWiderNarrowerAndDisjoint() {
        AuthorizationTable table = AuthorizationTable.of(List.of(
                group("10.1.0.0/16", "eng"), group("10.1.5.0/24", "ops"), all("172.16.0.0/12"),
                group("172.16.9.0/24", "eng"), group("2001:db8::/32", "eng")));
        UserAccess eng = table.access(ENG);
        UserAccess ops = table.access(Set.of("ops"));
        UserAccess sales = table.access(SALES);

        // Wider than the rules: a rule inside the route decides.
        assertTrue(table.authorizesSomeOf(eng, net("10.0.0.0/8")));
        assertTrue(table.authorizesSomeOf(ops, net("10.0.0.0/8")), "ops reaches 10.1.5.0/24 inside it");
        assertFalse(table.authorizesSomeOf(sales, net("10.0.0.0/8")));
        assertTrue(table.authorizesSomeOf(sales, net("0.0.0.0/0")), "172.16.0.0/12 is for everyone");
        assertTrue(table.authorizesSomeOf(eng, net("::/0")));
        assertFalse(table.authorizesSomeOf(ops, net("::/0")));

        // Narrower than the rules: the prefix containing the whole route decides.
        assertTrue(table.authorizesSomeOf(eng, net("10.1.7.0/24")));
        assertFalse(table.authorizesSomeOf(ops, net("10.1.7.0/24")));
        assertTrue(table.authorizesSomeOf(ops, net("10.1.5.128/25")));
        assertFalse(table.authorizesSomeOf(eng, net("10.1.5.128/25")), "the /24 refuses eng; the /16 does not rescue");
        assertTrue(table.authorizesSomeOf(sales, net("172.17.0.0/16")));
        assertFalse(table.authorizesSomeOf(sales, net("172.16.9.0/24")));
        assertTrue(table.authorizesSomeOf(sales, net("172.16.8.0/23")), "172.16.8.0/24 is still everyone's");

        // Exactly a rule's destination.
        assertTrue(table.authorizesSomeOf(ops, net("10.1.5.0/24")));
        assertFalse(table.authorizesSomeOf(eng, net("10.1.5.0/24")));

        // Disjoint from every rule.
        assertFalse(table.authorizesSomeOf(eng, net("192.168.0.0/16")));
        assertFalse(table.authorizesSomeOf(eng, net("2001:db9::/32")));
        assertFalse(table.authorizesSomeOf(eng, net("9.255.255.255/32")));
        assertFalse(table.authorizesSomeOf(eng, net("10.2.0.0/16")));
    }

    @Test
    void anAccessForAnotherTableIsRefusedAndCanBeRenewed() {
        AuthorizationTable before = AuthorizationTable.of(List.of(group("10.0.0.0/8", "eng")));
        AuthorizationTable after = AuthorizationTable.of(List.of(group("10.0.0.0/8", "ops"), group("10.0.0.0/8", "eng")));
        UserAccess user = before.access(ENG);
        assertSame(before, user.table());
        assertThrows(IllegalArgumentException.class, () -> after.allowsIpv4(user, ip4("10.0.0.1")));
        UserAccess renewed = user.forTable(after);
        assertSame(after, renewed.table());
        assertSame(renewed, renewed.forTable(after));
        assertTrue(after.allowsIpv4(renewed, ip4("10.0.0.1")));
    }

    @Test
    void manyGroupsSpanSeveralBitsetWords() {
        List<AuthorizationRule> rules = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rules.add(group("10." + i + ".0.0/16", "g" + i));
        }
        AuthorizationTable table = AuthorizationTable.of(rules);
        for (int i = 0; i < 200; i++) {
            assertTrue(allows(table, Set.of("g" + i), "10." + i + ".1.1"), "g" + i);
            assertFalse(allows(table, Set.of("g" + (i + 1)), "10." + i + ".1.1"), "g" + (i + 1));
        }
    }

    static AuthorizationRule all(String cidr) {
        return new AuthorizationRule(net(cidr), Optional.empty(), "");
    }

    static AuthorizationRule group(String cidr, String group) {
        return new AuthorizationRule(net(cidr), Optional.of(group), "");
    }

    static IpNetwork net(String cidr) {
        return IpNetwork.parse(cidr);
    }

    static InetAddress ip(String literal) {
        return IpNetwork.parseAddress(literal);
    }

    static int ip4(String literal) {
        return ByteBuffer.wrap(ip(literal).getAddress()).getInt();
    }

    private static boolean allows(AuthorizationTable table, Set<String> groups, String address) {
        boolean fast = table.allowsIpv4(table.access(groups), ip4(address));
        assertEquals(fast, table.explain(groups, ip(address)).allowed(), "explain agrees for " + address);
        return fast;
    }

    private static boolean allows6(AuthorizationTable table, Set<String> groups, String address) {
        ByteBuffer bytes = ByteBuffer.wrap(ip(address).getAddress());
        boolean fast = table.allowsIpv6(table.access(groups), bytes.getLong(), bytes.getLong());
        assertEquals(fast, table.explain(groups, ip(address)).allowed(), "explain agrees for " + address);
        return fast;
    }
}
