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
        options.add("ping " + settings.keepaliveIntervalSeconds());
        options.add("ping-restart " + settings.keepaliveTimeoutSeconds());
        return options;
    }

    static String netmask(int prefixLength) {
        long mask = prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL;
        return ((mask >>> 24) & 0xff) + "." + ((mask >>> 16) & 0xff) + "." + ((mask >>> 8) & 0xff) + "." + (mask & 0xff);
    }
}
