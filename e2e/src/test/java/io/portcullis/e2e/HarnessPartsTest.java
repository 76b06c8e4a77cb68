package io.portcullis.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The harness's pure parts (no root, no network): parsing and generated configuration. */
class HarnessPartsTest {

    @Test
    void procStatFieldsAfterACommandNameWithSpacesAndParentheses() {
        // proc(5): pid (comm) state ppid ... utime(14) stime(15); comm may hold ") " itself
        String stat = "4242 (portcullis-udp ) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 713 2950 0 0 20 0 31 0 500 0\n";
        assertEquals(713, ProcStat.field(stat, 14));
        assertEquals(2950, ProcStat.field(stat, 15));
        assertEquals(1, ProcStat.field(stat, 4));
    }

    @Test
    void cidr() {
        Cidr c = Cidr.parse("10.8.0.77/24");
        assertEquals("10.8.0.0", c.networkAddress());
        assertEquals("255.255.255.0", c.netmask());
        assertTrue(c.contains("10.8.0.2"));
        assertFalse(c.contains("10.8.1.2"));
        assertEquals("255.255.252.0", Cidr.parse("172.16.0.0/22").netmask());
    }

    @Test
    void iperf3Json() {
        String json = """
                {"start":{"connected":[]},"intervals":[{"sum":{"bits_per_second":1.0}}],
                 "end":{"streams":[{"sender":{"bytes":1}}],
                  "sum_sent":{"start":0,"end":10.0,"seconds":10.0,"bytes":520093696,"bits_per_second":416074956.8,"retransmits":24985,"sender":true},
                  "sum_received":{"start":0,"end":10.04,"seconds":10.04,"bytes":517013504,"bits_per_second":4.119e+08,"sender":true},
                  "cpu_utilization_percent":{"host_total":50.1}}}
                """;
        Iperf3.Result r = Iperf3.parse(json, true);
        assertEquals(411.9, r.mbitPerSecond(), 0.001);
        assertEquals(517013504L, r.receivedBytes());
        assertEquals(24985L, r.retransmits());
        assertTrue(r.reverse());
        assertThrows(IllegalStateException.class,
                () -> Iperf3.parse("{\"error\": \"unable to connect to server\"}", false));
    }

    @Test
    void profileHoldsJustTheUsersOptions() {
        OpenVpnClient.Profile p = new OpenVpnClient.Profile(Transport.TCP, "172.31.255.1", 1194, Path.of("/p/ca.crt"),
                Path.of("/p/u.crt"), Path.of("/p/u.key"), ControlChannelProtection.TLS_CRYPT, Path.of("/p/tc.key"),
                List.of(), 0, List.of());
        assertEquals("""
                client
                dev tun
                proto tcp
                remote 172.31.255.1 1194
                ca /p/ca.crt
                cert /p/u.crt
                key /p/u.key
                tls-crypt /p/tc.key
                remote-cert-tls server
                nobind
                """, p.text());
        String tuned = p.withDataCiphers(List.of("CHACHA20-POLY1305")).withRenegSec(5)
                .withProtection(ControlChannelProtection.NONE, null).text();
        assertTrue(tuned.contains("data-ciphers CHACHA20-POLY1305\nreneg-sec 5\n"), tuned);
        assertFalse(tuned.contains("tls-crypt"), tuned);
    }

    @Test
    void stockServerAndApplianceReadTheSameSettings() {
        VpnServerConfig c = new VpnServerConfig("e2e", "ns", Transport.UDP, "172.31.255.1", 1194, "10.8.0.0/24",
                List.of("10.0.0.0/24"), Path.of("/p/ca.crt"), Path.of("/p/s.crt"), Path.of("/p/s.key"),
                Path.of("/p/crl.pem"), ControlChannelProtection.TLS_CRYPT, Path.of("/p/tc.key"),
                List.of("AES-256-GCM"), 10, 60, Path.of("/w"));
        String stock = StockOpenVpnServer.configText(c);
        assertTrue(stock.contains("server 10.8.0.0 255.255.255.0\n"), stock);
        assertTrue(stock.contains("push \"route 10.0.0.0 255.255.255.0\"\n"), stock);
        assertTrue(stock.contains("disable-dco\n"), stock);
        assertTrue(stock.contains("tls-crypt /p/tc.key\n"), stock);
        String appliance = PortcullisAppliance.endpointConfig(c);
        assertTrue(appliance.contains("transportProtocol = udp\n"), appliance);
        assertTrue(appliance.contains("listenAddress = 172.31.255.1\n"), appliance);
        assertTrue(appliance.contains("clientCidrBlock = 10.8.0.0/24\n"), appliance);
        assertTrue(appliance.contains("route.1 = 10.0.0.0/24|local|\n"), appliance);
        assertTrue(appliance.contains("authorizationRule.1 = 10.0.0.0/24|all-users|\n"), appliance);
        assertTrue(appliance.contains("controlChannelProtection = tls-crypt\n"), appliance);
    }
}
