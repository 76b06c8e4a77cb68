package io.portcullis.endpoint.runtime;

import io.portcullis.api.net.IpNetwork;
import io.portcullis.endpoint.config.EndpointSettings;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The PUSH_REPLY lines an endpoint owns for one client (topology, address, routes, socket buffers,
 * keepalive). The
 * session engine adds its own (cipher, peer-id, key derivation).
 */
public final class PushOptions {

    private PushOptions() {
    }

    /**
     * @param clientIpv6  the client's IPv6 address on a dual-stack endpoint
     * @param gatewayIpv6 the appliance's IPv6 address in the client network, with {@code clientIpv6}
     * @param routes      the routes this client may use (split tunnel); ignored in full-tunnel mode,
     *                    where the client sends everything through the appliance
     */
    public static List<String> forClient(EndpointSettings settings, InetAddress clientAddress, InetAddress gateway,
                                         Optional<InetAddress> clientIpv6, Optional<InetAddress> gatewayIpv6,
                                         List<IpNetwork> routes) {
        List<String> options = new ArrayList<>();
        options.add("topology subnet");
        options.add("ifconfig " + clientAddress.getHostAddress() + " " + netmask(settings.clientCidrBlock().prefixLength()));
        options.add("route-gateway " + gateway.getHostAddress());
        if (clientIpv6.isPresent() && gatewayIpv6.isPresent() && settings.clientIpv6CidrBlock().isPresent()) {
            options.add("ifconfig-ipv6 " + clientIpv6.get().getHostAddress() + "/"
                    + settings.clientIpv6CidrBlock().get().prefixLength() + " " + gatewayIpv6.get().getHostAddress());
        }
        if (!settings.splitTunnel()) {
            options.add(clientIpv6.isPresent() ? "redirect-gateway def1 ipv6" : "redirect-gateway def1");
        } else {
            for (IpNetwork route : routes) {
                if (route.isIpv4()) {
                    options.add("route " + route.address().getHostAddress() + " " + netmask(route.prefixLength()));
                } else if (clientIpv6.isPresent()) {
                    options.add("route-ipv6 " + route);
                }
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
        if (settings.clientSocketBufferBytes() > 0) {
            // The appliance sends a client's packets in runs (UDP GSO, up to 64 KiB at once); a client
            // socket at its OS default overflows when the client falls behind, and TCP inside resends.
            options.add("rcvbuf " + settings.clientSocketBufferBytes());
            options.add("sndbuf " + settings.clientSocketBufferBytes());
        }
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
