package io.portcullis.endpoint.config;

import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EndpointSettingsTest {

    private static final Path HOME = Path.of("/opt/portcullis");

    @Test
    void defaultsAreValidAndPathsResolveAgainstHome() {
        EndpointSettings s = EndpointSettings.from("main", config(Map.of()), HOME);
        assertEquals("udp", s.transportProtocol());
        assertEquals(1194, s.listen().getPort());
        assertEquals(Path.of("/opt/portcullis/etc/pki/server.crt"), s.serverCertificate());
        assertEquals(EndpointSettings.ControlChannelProtection.TLS_CRYPT, s.controlChannelProtection());
        assertTrue(s.clientCertificateRevocationList().isEmpty());
        assertEquals(3, s.dataCiphers().size());
    }

    @Test
    void listsAreParsed() {
        Map<String, Object> values = Map.of("dataCiphers", "chacha20-poly1305",
                "authentication", "certificate,directory", "clientCertificateRevocationList", "/etc/crl.pem",
                "route.10", "192.168.7.0/24|eth1|Lab", "route.2", "10.0.0.0/24");
        EndpointSettings s = EndpointSettings.from("main", config(values), values, HOME);
        assertEquals(2, s.routes().size());
        assertEquals("192.168.7.0/24|eth1|Lab", s.routes().get(1).format(), "ordered by number, not by text");
        assertEquals("10.0.0.0/24|local|", s.routes().get(0).format());
        assertEquals(java.util.List.of("CHACHA20-POLY1305"), s.dataCiphers());
        assertEquals(java.util.List.of("certificate", "directory"), s.authentication());
        assertEquals(Path.of("/etc/crl.pem"), s.clientCertificateRevocationList().orElseThrow());
    }

    @Test
    void eachBadValueIsRefusedWithItsSettingName() {
        Map<String, Object> bad = Map.of(
                "vpnPort", 0,
                "listenAddress", "vpn.example.com",
                "clientCidrBlock", "10.8.0.0/8",
                "controlChannelProtection", "tls-crypt-v9",
                "dataCiphers", "BF-CBC",
                "authentication", " ",
                "tunnelMtu", 100,
                "clientSocketBufferBytes", 4096,
                "keepaliveTimeoutSeconds", 5,
                "interfaceName", "this-name-is-far-too-long");
        for (var entry : bad.entrySet()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> EndpointSettings.from("main", config(Map.of(entry.getKey(), entry.getValue())), HOME),
                    entry.getKey());
            assertTrue(e.getMessage().startsWith(entry.getKey() + ": "), e.getMessage());
        }
    }

    @Test
    void numberedRulesAndRoutesAreParsedAndBadOnesNamed() {
        Map<String, Object> values = Map.of("authorizationRule.1", "10.1.0.0/16|group=eng|Build",
                "authorizationRule.3", "0.0.0.0/0|all-users|");
        EndpointSettings s = EndpointSettings.from("main", config(values), values, HOME);
        assertEquals(2, s.authorizationRules().size());
        assertEquals(java.util.Optional.of("eng"), s.authorizationRules().get(0).group());
        assertTrue(s.authorizationRules().get(1).allUsers());
        for (var bad : java.util.List.of(Map.<String, Object>of("authorizationRule.2", "10.1.0.0/16|eng"),
                Map.<String, Object>of("authorizationRule.x", "10.1.0.0/16|all-users"),
                Map.<String, Object>of("route.1", "10.1.0.0/33"),
                Map.<String, Object>of("route.1", "10.1.0.0/16", "route.2", "10.1.0.0/16"),
                Map.<String, Object>of("clientIpv6CidrBlock", "fd00::/48"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> EndpointSettings.from("main", config(bad), bad, HOME));
            String key = bad.keySet().stream().sorted().findFirst().orElseThrow();
            assertTrue(e.getMessage().startsWith(key.startsWith("route.") && bad.size() == 2 ? "route.<n>: " : key + ": "),
                    e.getMessage());
        }
    }

    @Test
    void numbersAndSwitchesThatAreNotAreRefusedByName() {
        for (var bad : java.util.List.of(Map.<String, Object>of("vpnPort", "seventy"),
                Map.<String, Object>of("connectionLogMaxBytes", "1MB"), Map.<String, Object>of("splitTunnel", "yes"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> EndpointSettings.from("main", config(Map.of()), bad, HOME));
            assertTrue(e.getMessage().startsWith(bad.keySet().iterator().next() + ": '"), e.getMessage());
        }
    }

    @Test
    void ruleAndRouteChangesApplyLivePortChangesDoNot() {
        EndpointSettings before = EndpointSettings.from("main", config(Map.of()), HOME);
        Map<String, Object> rules = Map.of("authorizationRule.1", "10.1.0.0/16|all-users|", "route.1", "10.1.0.0/16",
                "dnsServers", "10.1.0.53", "splitTunnel", false);
        assertTrue(before.appliesLive(EndpointSettings.from("main", config(rules), rules, HOME)));
        assertFalse(before.appliesLive(EndpointSettings.from("main", config(Map.of("vpnPort", 1195)), HOME)));
        assertFalse(before.appliesLive(EndpointSettings.from("main", config(Map.of("clientCidrBlock", "10.9.0.0/24")), HOME)));
    }

    static EndpointConfig config(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>(overrides);
        return (EndpointConfig) java.lang.reflect.Proxy.newProxyInstance(EndpointConfig.class.getClassLoader(),
                new Class<?>[]{EndpointConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return EndpointConfig.class;
                    }
                    return values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue();
                });
    }
}
