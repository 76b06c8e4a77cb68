package io.portcullis.routing.tun;

import java.io.IOException;
import io.portcullis.api.net.IpNetwork;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What the engine changes on the host besides the TUN device itself: addresses, link state,
 * forwarding switches and nftables. The real one runs ip(8) and nft(8) ({@link SystemHostNetwork});
 * tests record the calls instead. Every failure is an {@link IOException} whose message says what
 * failed and what to do.
 */
interface HostNetwork {

    /** Sets the MTU, brings the link up and adds the addresses (the IPv6 one may be null). */
    void configureDevice(String device, int mtu, InetAddress ipv4, int ipv4Prefix,
                         InetAddress ipv6, int ipv6Prefix) throws IOException;

    /**
     * Turns on forwarding for the address family if it is off.
     *
     * @return true if it was off and is now on
     */
    boolean enableForwarding(boolean ipv6) throws IOException;

    /** Checks that the nftables command is there, before anything is created. */
    void checkNftables() throws IOException;

    /**
     * Adds or replaces a host route to {@code destination} through a next hop or a device, at
     * {@link #ROUTE_METRIC}: a route of the appliance's own with the same destination (a directly
     * connected network, say) keeps precedence and is never replaced or removed by the engine.
     */
    void replaceRoute(IpNetwork destination, Optional<InetAddress> via, Optional<String> device) throws IOException;

    /** Removes a route {@link #replaceRoute} added; removing one that is gone is not an error. */
    void deleteRoute(IpNetwork destination) throws IOException;

    int ROUTE_METRIC = 1000;

    /** Applies an nftables script atomically (one transaction). */
    void applyNftables(String script) throws IOException;
}
