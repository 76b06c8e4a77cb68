package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class NatRulesetTest {

    private static final IpNetwork CLIENTS = IpNetwork.parse("10.8.0.0/24");

    @Test
    void tableNamesKeepSafeIdsAndHashTheRest() {
        assertEquals("portcullis_office", NatRuleset.tableName("office"));
        assertEquals("portcullis_Office_2", NatRuleset.tableName("Office_2"));
        String dashed = NatRuleset.tableName("office-eu");
        String underscored = NatRuleset.tableName("office_eu");
        assertTrue(dashed.matches("portcullis_office_eu_[0-9a-f]{8}"), dashed);
        assertNotEquals(dashed, underscored, "ids that sanitise alike must not share a table");
        assertTrue(NatRuleset.tableName("x\" ; flush ruleset").matches("portcullis_[A-Za-z0-9_]+"));
        assertTrue(NatRuleset.tableName("").matches("portcullis__[0-9a-f]{8}"));
        String longName = NatRuleset.tableName("e".repeat(200));
        assertTrue(longName.length() <= NatRuleset.TABLE_PREFIX.length() + 40 + 9, longName);
        assertEquals(longName, NatRuleset.tableName("e".repeat(200)), "stable");
    }

    @Test
    void replacementIsOneTransactionThatMasqueradesClientsToRoutedNetworks() {
        String script = NatRuleset.replace("portcullis_office", CLIENTS,
                List.of(IpNetwork.parse("192.168.1.0/24"), IpNetwork.parse("10.0.0.0/8")), Optional.empty());
        assertEquals("""
                table ip portcullis_office
                delete table ip portcullis_office
                table ip portcullis_office {
                \tchain postrouting {
                \t\ttype nat hook postrouting priority 100; policy accept;
                \t\tip saddr 10.8.0.0/24 ip daddr != 10.8.0.0/24 ip daddr { 10.0.0.0/8, 192.168.1.0/24 } counter masquerade
                \t}
                }
                """, script);
    }

    @Test
    void oneNetworkNeedsNoSetAndTheOutInterfaceIsMatched() {
        String script = NatRuleset.replace("t", CLIENTS, List.of(IpNetwork.parse("172.16.0.0/12")), Optional.of("eth0"));
        assertTrue(script.contains("\t\tip saddr 10.8.0.0/24 ip daddr 172.16.0.0/12 oifname \"eth0\" counter masquerade\n"),
                script);
    }

    @Test
    void ipv6IsNeverTranslatedAndCoveredNetworksAreMerged() {
        String script = NatRuleset.replace("t", CLIENTS, List.of(
                IpNetwork.parse("2001:db8::/32"),
                IpNetwork.parse("10.1.2.0/24"),
                IpNetwork.parse("10.1.0.0/16"),
                IpNetwork.parse("10.1.0.0/16"),
                IpNetwork.parse("192.0.2.7/32")), Optional.empty());
        assertFalse(script.contains("2001"), script);
        assertFalse(script.contains("10.1.2.0/24"), "inside 10.1.0.0/16: nft refuses overlapping set elements");
        assertTrue(script.contains("ip daddr { 10.1.0.0/16, 192.0.2.7/32 }"), script);
    }

    @Test
    void defaultRouteMeansAnyDestination() {
        String script = NatRuleset.replace("t", CLIENTS,
                List.of(IpNetwork.parse("0.0.0.0/0"), IpNetwork.parse("10.0.0.0/8")), Optional.empty());
        assertTrue(script.contains("\t\tip saddr 10.8.0.0/24 ip daddr != 10.8.0.0/24 counter masquerade\n"), script);
    }

    @Test
    void noRoutedNetworksLeaveAnEmptyChain() {
        String script = NatRuleset.replace("t", CLIENTS, List.of(IpNetwork.parse("fd00::/8")), Optional.empty());
        assertFalse(script.contains("masquerade"), script);
        assertTrue(script.contains("type nat hook postrouting"), script);
    }

    @Test
    void deletionNeverFailsOnAMissingTable() {
        assertEquals("table ip t\ndelete table ip t\n", NatRuleset.delete("t"));
    }

    @Test
    void anIpv6ClientNetworkIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> NatRuleset.replace("t", IpNetwork.parse("fd00::/64"), List.of(), Optional.empty()));
    }
}
