package io.portcullis.endpoint.profile;

import io.portcullis.endpoint.config.EndpointConfig;
import io.portcullis.endpoint.config.EndpointSettings;
import io.portcullis.endpoint.pki.FirstBootPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class ClientProfileTest {

    @TempDir
    Path home;

    @BeforeEach
    void pki() throws Exception {
        Path pki = home.resolve("etc/pki");
        new FirstBootPki(new SecureRandom()).ensure(new FirstBootPki.Files(pki.resolve("ca.crt"), pki.resolve("server.crt"),
                pki.resolve("server.key"), Optional.of(pki.resolve("tls-crypt.key"))));
    }

    @Test
    void udpWithTlsCryptHasEverythingInline() throws Exception {
        String profile = ClientProfile.forEndpoint(settings(Map.of("listenAddress", "192.0.2.10")), Optional.empty());
        List<String> lines = profile.lines().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("client", "dev tun", "proto udp", "remote 192.0.2.10 1194", "nobind", "remote-cert-tls server",
                "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305", "<ca>"), lines.subList(0, 8));
        assertEquals(read(home.resolve("etc/pki/ca.crt")), certificates(block(profile, "ca")));
        assertEquals(Files.readString(home.resolve("etc/pki/tls-crypt.key")).strip(), block(profile, "tls-crypt").strip());
        assertFalse(profile.contains("key-direction"));
        assertFalse(profile.contains("<tls-auth>"));
        assertFalse(profile.contains("PRIVATE KEY"), "never a private key");
        assertFalse(profile.contains("<cert>") || profile.contains("<key>"), "the caller adds the user's cert and key");
    }

    @Test
    void tcpWithTlsAuthUsesKeyDirectionOne() {
        String profile = ClientProfile.forEndpoint(settings(Map.of("listenAddress", "192.0.2.10", "transportProtocol", "tcp",
                "vpnPort", 443, "controlChannelProtection", "tls-auth", "dataCiphers", "AES-128-GCM")), Optional.empty());
        assertTrue(profile.contains("\nproto tcp-client\nremote 192.0.2.10 443\n"), profile);
        assertTrue(profile.contains("\ndata-ciphers AES-128-GCM\n"), profile);
        assertTrue(profile.contains("\nkey-direction 1\n<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n"), profile);
        assertFalse(profile.contains("<tls-crypt>"));
    }

    @Test
    void withoutProtectionThereIsNoKeyBlock() {
        String profile = ClientProfile.forEndpoint(settings(Map.of("listenAddress", "192.0.2.10",
                "controlChannelProtection", "none")), Optional.empty());
        assertFalse(profile.contains("<tls-crypt>") || profile.contains("<tls-auth>") || profile.contains("key-direction"), profile);
        assertTrue(profile.contains("<ca>"));
    }

    @Test
    void aWildcardListenAddressNeedsRemote() {
        for (String wildcard : List.of("0.0.0.0", "::")) {
            EndpointSettings s = settings(Map.of("listenAddress", wildcard));
            var e = assertThrows(IllegalArgumentException.class, () -> ClientProfile.forEndpoint(s, Optional.empty()));
            assertTrue(e.getMessage().contains("--remote"), e.getMessage());
            assertTrue(ClientProfile.forEndpoint(s, Optional.of("vpn.example.com")).contains("\nremote vpn.example.com 1194\n"));
            assertTrue(ClientProfile.forEndpoint(s, Optional.of("[2001:db8::7]")).contains("\nremote 2001:db8::7 1194\n"));
        }
    }

    @Test
    void remoteMustBeAHostNameOrAddress() {
        EndpointSettings s = settings(Map.of("listenAddress", "0.0.0.0"));
        for (String bad : List.of("vpn.example.com\nroute 0.0.0.0 0.0.0.0", "a b", "", "0.0.0.0", "::", "1.2.3", "-x.example")) {
            var e = assertThrows(IllegalArgumentException.class, () -> ClientProfile.forEndpoint(s, Optional.of(bad)), bad);
            assertTrue(e.getMessage().startsWith("--remote: "), e.getMessage());
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        Path other = home.resolve("other");
        new FirstBootPki(new SecureRandom()).ensure(new FirstBootPki.Files(other.resolve("ca.crt"), other.resolve("server.crt"),
                other.resolve("server.key"), Optional.empty()));
        EndpointSettings s = settings(Map.of("listenAddress", "192.0.2.10", "clientRootCertificateChain", other.resolve("ca.crt").toString()));
        var e = assertThrows(IllegalStateException.class, () -> ClientProfile.forEndpoint(s, Optional.empty()));
        assertTrue(e.getMessage().contains("clientRootCertificateChain"), e.getMessage());
    }

    @Test
    void aServerChainWithItsIntermediateReachesTheRoot() throws Exception {
        // server.crt followed by the CA itself, as a chain file would be: still chains.
        var ca = read(home.resolve("etc/pki/ca.crt"));
        var server = read(home.resolve("etc/pki/server.crt"));
        var chain = new java.util.ArrayList<java.security.cert.X509Certificate>();
        server.forEach(c -> chain.add((java.security.cert.X509Certificate) c));
        ca.forEach(c -> chain.add((java.security.cert.X509Certificate) c));
        assertTrue(ClientProfile.chainsTo(chain, chain.subList(chain.size() - 1, chain.size())));
        assertFalse(ClientProfile.chainsTo(chain.subList(0, 1), chain.subList(0, 1)), "a leaf does not sign itself");
    }

    @Test
    void onlyUdpAndTcpHaveAStockClientEquivalent() {
        EndpointSettings s = settings(Map.of("listenAddress", "192.0.2.10", "transportProtocol", "quic"));
        var e = assertThrows(IllegalStateException.class, () -> ClientProfile.forEndpoint(s, Optional.empty()));
        assertTrue(e.getMessage().contains("udp and tcp"), e.getMessage());
    }

    private static String block(String profile, String tag) {
        Matcher m = Pattern.compile("<" + tag + ">\n(.*?)</" + tag + ">\n", Pattern.DOTALL).matcher(profile);
        assertTrue(m.find(), "no <" + tag + "> in\n" + profile);
        return m.group(1);
    }

    private static List<? extends Certificate> certificates(String pem) throws Exception {
        return List.copyOf(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
    }

    private static List<? extends Certificate> read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }

    private EndpointSettings settings(Map<String, ?> overrides) {
        Map<String, Object> values = new HashMap<>(overrides);
        var config = (EndpointConfig) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{EndpointConfig.class},
                (proxy, method, args) -> method.getName().equals("annotationType") ? EndpointConfig.class
                        : values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
        return EndpointSettings.from("main", config, home);
    }
}
