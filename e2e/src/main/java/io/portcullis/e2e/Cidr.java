package io.portcullis.e2e;

/** IPv4 CIDR helpers (enough for test assertions and OpenVPN's address/netmask spelling). */
public record Cidr(int network, int prefix) {

    public static Cidr parse(String cidr) {
        String[] parts = cidr.split("/");
        int prefix = Integer.parseInt(parts[1]);
        int mask = mask(prefix);
        return new Cidr(toInt(parts[0]) & mask, prefix);
    }

    public boolean contains(String address) {
        return (toInt(address) & mask(prefix)) == network;
    }

    public String networkAddress() {
        return toText(network);
    }

    public String netmask() {
        return toText(mask(prefix));
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    static int toInt(String address) {
        String[] o = address.split("\\.");
        if (o.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + address);
        }
        int v = 0;
        for (String s : o) {
            v = (v << 8) | Integer.parseInt(s);
        }
        return v;
    }

    static String toText(int v) {
        return ((v >>> 24) & 255) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
    }

    @Override
    public String toString() {
        return networkAddress() + "/" + prefix;
    }
}
