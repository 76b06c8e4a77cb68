package io.portcullis.endpoint.runtime;

import io.portcullis.api.net.IpNetwork;
import io.portcullis.endpoint.config.EndpointSettings;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class PushOptionsTest {

    @Test
    void addressRoutesDnsAndKeepalive() throws Exception {
        EndpointSettings settings = settings(Map.of("clientCidrBlock", "10.8.0.0/22",
                "dnsServers", "10.0.0.2, 10.0.0.3", "dnsSearchDomains", "corp.example,lab.example"));
        List<String> options = PushOptions.forClient(settings, InetAddress.getByName("10.8.1.7"), InetAddress.getByName("10.8.0.1"),
                Optional.empty(), Optional.empty(), List.of(IpNetwork.parse("10.0.0.0/24"), IpNetwork.parse("172.20.0.0/16"),
                        IpNetwork.parse("fd00:1::/64")));
        assertEquals(List.of("topology subnet", "ifconfig 10.8.1.7 255.255.252.0", "route-gateway 10.8.0.1",
                "route 10.0.0.0 255.255.255.0", "route 172.20.0.0 255.255.0.0",
                "dhcp-option DNS 10.0.0.2", "dhcp-option DNS 10.0.0.3",
                "dhcp-option DOMAIN corp.example", "dhcp-option DOMAIN-SEARCH corp.example",
                "dhcp-option DOMAIN-SEARCH lab.example", "rcvbuf 1048576", "sndbuf 1048576", "ping 10", "ping-restart 60"),
                options);
    }

    @Test
    void socketBuffersArePushedAsConfiguredAndNotAtZero() throws Exception {
        List<String> options = PushOptions.forClient(settings(Map.of("clientSocketBufferBytes", 393216)),
                InetAddress.getByName("10.8.0.5"), InetAddress.getByName("10.8.0.1"), Optional.empty(), Optional.empty(),
                List.of());
        assertTrue(options.containsAll(List.of("rcvbuf 393216", "sndbuf 393216")), options.toString());
        options = PushOptions.forClient(settings(Map.of("clientSocketBufferBytes", 0)),
                InetAddress.getByName("10.8.0.5"), InetAddress.getByName("10.8.0.1"), Optional.empty(), Optional.empty(),
                List.of());
        assertFalse(options.stream().anyMatch(o -> o.startsWith("rcvbuf") || o.startsWith("sndbuf")), options.toString());
    }

    @Test
    void dualStackFullTunnelRedirectsBothFamiliesAndPushesNoRoutes() throws Exception {
        EndpointSettings settings = settings(Map.of("clientIpv6CidrBlock", "fd00:8::/112", "splitTunnel", false));
        List<String> options = PushOptions.forClient(settings, InetAddress.getByName("10.8.0.5"),
                InetAddress.getByName("10.8.0.1"), Optional.of(InetAddress.getByName("fd00:8::5")),
                Optional.of(InetAddress.getByName("fd00:8::1")), List.of(IpNetwork.parse("10.0.0.0/24")));
        assertTrue(options.contains("ifconfig-ipv6 fd00:8:0:0:0:0:0:5/112 fd00:8:0:0:0:0:0:1"), options.toString());
        assertTrue(options.contains("redirect-gateway def1 ipv6"), options.toString());
        assertFalse(options.stream().anyMatch(o -> o.startsWith("route ")), options.toString());
    }

    @Test
    void splitTunnelDualStackPushesIpv6Routes() throws Exception {
        EndpointSettings settings = settings(Map.of("clientIpv6CidrBlock", "fd00:8::/112"));
        List<String> options = PushOptions.forClient(settings, InetAddress.getByName("10.8.0.5"),
                InetAddress.getByName("10.8.0.1"), Optional.of(InetAddress.getByName("fd00:8::5")),
                Optional.of(InetAddress.getByName("fd00:8::1")), List.of(IpNetwork.parse("fd01:101::/64")));
        assertTrue(options.contains("route-ipv6 fd01:101:0:0:0:0:0:0/64"), options.toString());
        assertFalse(options.stream().anyMatch(o -> o.startsWith("redirect-gateway")), options.toString());
    }

    @Test
    void bannerIsSplitIntoPushableEchoLinesThatDecodeToTheText() {
        String text = "Welcome, Ünïcode user: 100% monitored.\nSecond line " + "x".repeat(400);
        List<String> lines = PushOptions.banner(text);
        assertEquals("echo msg-window Portcullis", lines.get(lines.size() - 1));
        StringBuilder decoded = new StringBuilder();
        for (String line : lines.subList(0, lines.size() - 1)) {
            assertTrue(line.length() <= 255, "pushed options are at most 255 characters: " + line.length());
            assertFalse(line.contains(","), "a comma would split the option: " + line);
            String payload = line.replaceFirst("^echo msg(-n)?( |$)", "");
            decoded.append(URLDecoder.decode(payload.replace("+", "%2B"), StandardCharsets.UTF_8));
            if (line.startsWith("echo msg ") || line.equals("echo msg")) {
                decoded.append('\n');
            }
        }
        assertEquals(text + "\n", decoded.toString());
        assertTrue(PushOptions.banner("").isEmpty());
    }

    @Test
    void dnsAndBannerSettingsAreChecked() {
        for (var bad : List.of(Map.of("dnsServers", "10.0.0.1,10.0.0.2,10.0.0.3"), Map.of("dnsServers", "dns.example"),
                Map.of("dnsSearchDomains", "bad_domain!"), Map.of("clientLoginBanner", "b".repeat(1401)))) {
            String key = bad.keySet().iterator().next();
            var e = assertThrows(IllegalArgumentException.class, () -> settings(bad));
            assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
        }
    }

    private static EndpointSettings settings(Map<String, ?> values) {
        var config = (io.portcullis.endpoint.config.EndpointConfig) Proxy.newProxyInstance(
                PushOptionsTest.class.getClassLoader(), new Class<?>[]{io.portcullis.endpoint.config.EndpointConfig.class},
                (proxy, method, args) -> method.getName().equals("annotationType")
                        ? io.portcullis.endpoint.config.EndpointConfig.class
                        : values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
        return EndpointSettings.from("t", config, values, Path.of("/opt/p"));
    }
}
