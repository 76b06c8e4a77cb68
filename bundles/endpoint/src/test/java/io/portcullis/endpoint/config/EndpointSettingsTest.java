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
        EndpointSettings s = EndpointSettings.from("main", config(Map.of(
                "routes", "10.0.0.0/24, 192.168.7.0/24", "dataCiphers", "chacha20-poly1305",
                "authentication", "certificate,directory", "clientCertificateRevocationList", "/etc/crl.pem")), HOME);
        assertEquals(2, s.routes().size());
        assertEquals("192.168.7.0/24", s.routes().get(1).toString());
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
                "routes", "10.0.0.0/24,nonsense",
                "dataCiphers", "BF-CBC",
                "authentication", " ",
                "tunnelMtu", 100,
                "keepaliveTimeoutSeconds", 5,
                "interfaceName", "this-name-is-far-too-long");
        for (var entry : bad.entrySet()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> EndpointSettings.from("main", config(Map.of(entry.getKey(), entry.getValue())), HOME),
                    entry.getKey());
            assertTrue(e.getMessage().startsWith(entry.getKey() + ": "), e.getMessage());
        }
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
