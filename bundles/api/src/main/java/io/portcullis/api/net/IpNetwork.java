package io.portcullis.api.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network in CIDR notation, normalised so that host bits are zero.
 */
public record IpNetwork(InetAddress address, int prefixLength) {

    public IpNetwork {
        Objects.requireNonNull(address, "address");
        int max = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0.." + max);
        }
        address = mask(address, prefixLength);
    }

    /**
     * Parses {@code a.b.c.d/n} or {@code x::y/n}; a bare address is a host network.
     * Only literal addresses are accepted, never host names, so parsing never touches DNS.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static IpNetwork parse(String cidr) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException("empty network, expected a CIDR such as 10.0.0.0/24");
        }
        String text = cidr.trim();
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = parseLiteral(host, cidr, "in CIDR notation");
        int prefix = address.getAddress().length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + cidr + "' has no numeric prefix length after '/'");
            }
        }
        return new IpNetwork(address, prefix);
    }

    /**
     * Parses an IPv4 or IPv6 address literal. Host names are refused rather than looked up, so a
     * setting never depends on DNS.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static InetAddress parseAddress(String text) {
        String trimmed = text == null ? "" : text.trim();
        return parseLiteral(trimmed, text, "(host names are not accepted)");
    }

    private static InetAddress parseLiteral(String host, String original, String expected) {
        boolean v4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = host.contains(":") && host.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("'" + original + "' is not an IP address literal " + expected);
        }
        try {
            return InetAddress.getByName(host); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + original + "' is not a valid IP address: " + e.getMessage());
        }
    }

    public boolean isIpv4() {
        return address.getAddress().length == 4;
    }

    public boolean contains(InetAddress candidate) {
        byte[] net = address.getAddress();
        byte[] other = candidate.getAddress();
        if (net.length != other.length) {
            return false;
        }
        return mask(other, prefixLength).equals(address);
    }

    /** Number of addresses in the network, saturated at {@link Long#MAX_VALUE}. */
    public long size() {
        int hostBits = address.getAddress().length * 8 - prefixLength;
        return hostBits >= 63 ? Long.MAX_VALUE : 1L << hostBits;
    }

    private static InetAddress mask(InetAddress address, int prefixLength) {
        return mask(address.getAddress(), prefixLength);
    }

    private static InetAddress mask(byte[] bytes, int prefixLength) {
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
            masked[i] &= (byte) (0xff << (8 - bitsHere));
        }
        try {
            return InetAddress.getByAddress(masked);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
