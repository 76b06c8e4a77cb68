package io.portcullis.endpoint.pool;

import io.portcullis.api.net.IpNetwork;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.BitSet;
import java.util.Optional;

/**
 * Client addresses of one endpoint, leased from its IPv4 client CIDR. The network address, the
 * broadcast address and the first host (the appliance's own address) are never leased. Leases are
 * taken and returned on the control path only, so a lock is fine here.
 */
public final class AddressPool {

    private final IpNetwork network;
    private final IpNetwork ipv6;
    private final int base;
    private final int size;
    private final BitSet leased;
    private int cursor = 2; // round robin: a returned address is not handed out again at once

    public AddressPool(IpNetwork network) {
        this(network, Optional.empty());
    }

    /**
     * @param ipv6 a dual-stack endpoint's IPv6 client network: a client leased the n-th IPv4
     *             address gets its n-th address too, so the pair needs no second lease table
     */
    public AddressPool(IpNetwork network, Optional<IpNetwork> ipv6) {
        if (!network.isIpv4() || network.prefixLength() > 30) {
            throw new IllegalArgumentException("client network " + network + " must be IPv4, /30 or larger");
        }
        this.network = network;
        this.ipv6 = ipv6.orElse(null);
        if (this.ipv6 != null && (this.ipv6.isIpv4() || this.ipv6.size() < network.size())) {
            throw new IllegalArgumentException("IPv6 client network " + this.ipv6 + " must be IPv6 and hold as many "
                    + "addresses as " + network);
        }
        this.base = toInt(network.address());
        this.size = (int) network.size();
        this.leased = new BitSet(size);
        leased.set(0);        // network address
        leased.set(1);        // the appliance
        leased.set(size - 1); // broadcast
    }

    /** The appliance's own address in the client network. */
    public InetAddress gateway() {
        return toAddress(base + 1);
    }

    /** The appliance's own IPv6 address in the client network, on a dual-stack endpoint. */
    public Optional<InetAddress> gatewayIpv6() {
        return ipv6 == null ? Optional.empty() : Optional.of(ipv6At(1));
    }

    /** The IPv6 address paired with a leased IPv4 address, on a dual-stack endpoint. */
    public Optional<InetAddress> ipv6For(InetAddress leased) {
        return ipv6 == null ? Optional.empty() : Optional.of(ipv6At(toInt(leased) - base));
    }

    private InetAddress ipv6At(int offset) {
        byte[] bytes = ipv6.address().getAddress();
        long low = java.nio.ByteBuffer.wrap(bytes, 8, 8).getLong() + offset;
        java.nio.ByteBuffer.wrap(bytes, 8, 8).putLong(low);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public IpNetwork network() {
        return network;
    }

    /** Leases a free address, or empty when the pool is exhausted. */
    public synchronized Optional<InetAddress> lease() {
        int free = leased.nextClearBit(cursor);
        if (free >= size - 1) {
            free = leased.nextClearBit(2);
            if (free >= size - 1) {
                return Optional.empty();
            }
        }
        leased.set(free);
        cursor = free + 1;
        return Optional.of(toAddress(base + free));
    }

    /** Returns a leased address; returning one that is not leased, or not ours, does nothing. */
    public synchronized void release(InetAddress address) {
        if (!network.contains(address)) {
            return;
        }
        int offset = toInt(address) - base;
        if (offset >= 2 && offset < size - 1) {
            leased.clear(offset);
        }
    }

    public synchronized int leasedCount() {
        return leased.cardinality() - 3;
    }

    public int capacity() {
        return size - 3;
    }

    private static int toInt(InetAddress address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    private static InetAddress toAddress(int value) {
        try {
            return Inet4Address.getByAddress(new byte[]{
                    (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
