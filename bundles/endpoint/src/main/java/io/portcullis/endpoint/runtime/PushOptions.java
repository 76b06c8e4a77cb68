package io.portcullis.endpoint.runtime;

import io.portcullis.api.net.IpNetwork;
import io.portcullis.endpoint.config.EndpointSettings;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The PUSH_REPLY lines an endpoint owns for one client (topology, address, routes, keepalive). The
 * session engine adds its own (cipher, peer-id, key derivation).
 */
public final class PushOptions {

    private PushOptions() {
    }

    public static List<String> forClient(EndpointSettings settings, InetAddress clientAddress, InetAddress gateway) {
        List<String> options = new ArrayList<>();
        options.add("topology subnet");
        options.add("ifconfig " + clientAddress.getHostAddress() + " " + netmask(settings.clientCidrBlock().prefixLength()));
        options.add("route-gateway " + gateway.getHostAddress());
        for (IpNetwork route : settings.routes()) {
            if (route.isIpv4()) {
                options.add("route " + route.address().getHostAddress() + " " + netmask(route.prefixLength()));
            } else {
                options.add("route-ipv6 " + route);
            }
        }
        for (InetAddress dns : settings.dnsServers()) {
            options.add("dhcp-option DNS" + (dns instanceof java.net.Inet6Address ? "6 " : " ") + dns.getHostAddress());
        }
        if (!settings.dnsSearchDomains().isEmpty()) {
            options.add("dhcp-option DOMAIN " + settings.dnsSearchDomains().get(0));
            for (String domain : settings.dnsSearchDomains()) {
                options.add("dhcp-option DOMAIN-SEARCH " + domain);
            }
        }
        options.addAll(banner(settings.clientLoginBanner()));
        options.add("ping " + settings.keepaliveIntervalSeconds());
        options.add("ping-restart " + settings.keepaliveTimeoutSeconds());
        return options;
    }

    /**
     * The login banner as OpenVPN's {@code echo msg} options, which GUIs (OpenVPN GUI, Connect) show
     * in a window and the command-line client writes to its log. A pushed option may hold no comma
     * and at most 255 characters, so the text is percent-encoded as those clients decode it and
     * split over {@code msg-n} parts.
     */
    static List<String> banner(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<String> options = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (String line : text.split("\\R", -1)) {
            if (part.length() > 0 || !options.isEmpty()) {
                options.add("echo msg" + (part.length() > 0 ? " " + part : ""));
                part.setLength(0);
            }
            for (byte b : line.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                int c = b & 0xff;
                String encoded = c > 0x20 && c < 0x7f && c != ',' && c != '%' && c != '"' && c != '\\'
                        ? String.valueOf((char) c) : String.format("%%%02X", c);
                if (part.length() + encoded.length() > 200) {
                    options.add("echo msg-n " + part);
                    part.setLength(0);
                }
                part.append(encoded);
            }
        }
        options.add("echo msg" + (part.length() > 0 ? " " + part : ""));
        options.add("echo msg-window Portcullis");
        return options;
    }

    static String netmask(int prefixLength) {
        long mask = prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL;
        return ((mask >>> 24) & 0xff) + "." + ((mask >>> 16) & 0xff) + "." + ((mask >>> 8) & 0xff) + "." + (mask & 0xff);
    }
}
