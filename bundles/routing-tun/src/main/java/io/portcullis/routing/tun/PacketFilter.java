package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Checks IP packets on the data path without allocating: well-formed IPv4 or IPv6 header, a total
 * length that fits what was read, and an address inside the endpoint's client networks (the
 * destination of packets from the networks, the source of packets from clients). Networks are
 * pre-computed as masked integers.
 */
final class PacketFilter {

    /** The packet passed; its limit may have been trimmed to the IP total length. */
    static final int PASS = 0;
    static final int MALFORMED = 1;
    /** Well formed, but the address checked is outside the client networks. */
    static final int OUTSIDE = 2;

    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;

    private final int v4Network;
    private final int v4Mask;
    private final boolean hasV6;
    private final long v6High;
    private final long v6Low;
    private final long v6HighMask;
    private final long v6LowMask;

    PacketFilter(IpNetwork ipv4, Optional<IpNetwork> ipv6) {
        this.v4Mask = ipv4.prefixLength() == 0 ? 0 : -1 << (32 - ipv4.prefixLength());
        this.v4Network = ByteBuffer.wrap(ipv4.address().getAddress()).getInt() & v4Mask;
        this.hasV6 = ipv6.isPresent();
        if (hasV6) {
            int prefix = ipv6.get().prefixLength();
            ByteBuffer address = ByteBuffer.wrap(ipv6.get().address().getAddress());
            this.v6HighMask = mask(prefix);
            this.v6LowMask = mask(prefix - 64);
            this.v6High = address.getLong(0) & v6HighMask;
            this.v6Low = address.getLong(8) & v6LowMask;
        } else {
            this.v6HighMask = this.v6LowMask = this.v6High = this.v6Low = 0;
        }
    }

    private static long mask(int bits) {
        if (bits <= 0) {
            return 0;
        }
        return bits >= 64 ? -1L : -1L << (64 - bits);
    }

    /** A packet read from the device: must be addressed to a client. */
    int fromNetwork(ByteBuffer packet) {
        return check(packet, true);
    }

    /** A packet from a client: must come from a client address. */
    int fromClient(ByteBuffer packet) {
        return check(packet, false);
    }

    private int check(ByteBuffer packet, boolean destination) {
        int start = packet.position();
        int length = packet.remaining();
        if (length < IPV4_HEADER) {
            return MALFORMED;
        }
        int version = (packet.get(start) & 0xff) >>> 4;
        if (version == 4) {
            int headerLength = (packet.get(start) & 0x0f) * 4;
            int total = u16(packet, start + 2);
            if (headerLength < IPV4_HEADER || total < headerLength || total > length) {
                return MALFORMED;
            }
            packet.limit(start + total);
            int address = (int) u32(packet, start + (destination ? 16 : 12));
            return (address & v4Mask) == v4Network ? PASS : OUTSIDE;
        }
        if (version == 6) {
            if (length < IPV6_HEADER) {
                return MALFORMED;
            }
            int total = IPV6_HEADER + u16(packet, start + 4);
            if (total > length) {
                return MALFORMED;
            }
            packet.limit(start + total);
            int offset = start + (destination ? 24 : 8);
            return hasV6 && (u64(packet, offset) & v6HighMask) == v6High
                    && (u64(packet, offset + 8) & v6LowMask) == v6Low ? PASS : OUTSIDE;
        }
        return MALFORMED;
    }

    // Network byte order whatever the buffer's own order is.

    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) << 8 | (b.get(at + 1) & 0xff);
    }

    private static long u32(ByteBuffer b, int at) {
        return (long) u16(b, at) << 16 | u16(b, at + 2);
    }

    private static long u64(ByteBuffer b, int at) {
        return u32(b, at) << 32 | u32(b, at + 4);
    }
}
