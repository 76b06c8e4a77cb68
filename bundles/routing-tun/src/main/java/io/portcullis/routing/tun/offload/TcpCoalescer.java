package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;

import static io.portcullis.routing.tun.offload.NetworkOrder.putU16;
import static io.portcullis.routing.tun.offload.NetworkOrder.u16;
import static io.portcullis.routing.tun.offload.NetworkOrder.u32;
import static io.portcullis.routing.tun.offload.NetworkOrder.u8;

/**
 * Merges consecutive TCP segments of one flow, written by one thread, into one super-packet for a
 * TUN device with offloads (generic receive offload, the reverse of {@link TcpSegmenter}): the
 * kernel then routes, NATs and forwards up to 64 KiB in one pass and one {@code write(2)}, and
 * cuts it again only where it must (often nowhere, the next device taking it whole).
 * <p>
 * A segment joins the held super-packet only when the kernel could cut them apart again into
 * exactly what was written, the rules of the kernel's own GRO and of wireguard-go: same addresses,
 * ports, ACK number, window, TCP options, TOS/TTL (traffic class, flow label, hop limit); the next
 * sequence number; a payload no larger than the first one's, and nothing after a smaller one or
 * after PSH; only ACK, or ACK with PSH; IPv4 without options, with DF and the next identification;
 * IPv6 without extension headers; valid checksums (merging must not launder a corrupt segment,
 * since the kernel computes the super-packet's checksum afresh).
 * <p>
 * It works in one frame buffer: the virtio-net header at 0, the packet from
 * {@link VirtioNetHeader#LENGTH}. One instance per writing thread; nothing is allocated.
 * <pre>
 *   if (coalescer.holding() &amp;&amp; coalescer.append(packet)) done;
 *   if (coalescer.holding()) write the frame's first coalescer.release() bytes;
 *   if (!coalescer.hold(packet)) write the packet alone;
 * </pre>
 */
public final class TcpCoalescer {

    private static final int IP = VirtioNetHeader.LENGTH;
    private static final int MAX_PACKET = 65535;
    private static final int TCP = 6;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;

    private final ByteBuffer frame;
    private int count;
    private int length;
    private boolean ipv6;
    private int ipHeaderLength;
    private int tcpHeaderLength;
    private int gsoSize;
    private int nextSequence;
    private int nextId;
    private boolean closed;

    // The packet being looked at, from parse().
    private boolean packetIpv6;
    private int packetIpHeaderLength;
    private int packetTcpHeaderLength;
    private int packetPayload;
    private int packetFlags;

    /** @param frame at least {@link VirtioNetHeader#LENGTH} + 65535 bytes, used from index 0 */
    public TcpCoalescer(ByteBuffer frame) {
        if (frame.capacity() < IP + MAX_PACKET) {
            throw new IllegalArgumentException("a frame buffer of " + frame.capacity() + " bytes is too small");
        }
        this.frame = frame;
    }

    /** Whether a (super-)packet is held. */
    public boolean holding() {
        return count > 0;
    }

    /** Number of packets held. */
    public int held() {
        return count;
    }

    /**
     * With nothing held: copies the packet into the frame and holds it, when it is a TCP segment
     * that others may join. The packet is consumed then.
     *
     * @return false, with nothing changed, when it cannot start a super-packet (write it alone)
     */
    public boolean hold(ByteBuffer packet) {
        if (count > 0 || !parse(packet) || !checksumsValid(packet)) {
            return false;
        }
        int p = packet.position();
        int tcp = p + packetIpHeaderLength;
        frame.put(IP, packet, p, packet.remaining());
        count = 1;
        length = packet.remaining();
        ipv6 = packetIpv6;
        ipHeaderLength = packetIpHeaderLength;
        tcpHeaderLength = packetTcpHeaderLength;
        gsoSize = packetPayload;
        nextSequence = u32(packet, tcp + 4) + packetPayload;
        nextId = ipv6 ? 0 : u16(packet, p + 4) + 1;
        closed = (packetFlags & PSH) != 0;
        packet.position(packet.limit());
        return true;
    }

    /**
     * Appends the packet's payload to the held super-packet when it continues it. The packet is
     * consumed then.
     *
     * @return false, with nothing changed, when it does not (release what is held, then try {@link #hold})
     */
    public boolean append(ByteBuffer packet) {
        if (count == 0 || closed || !parse(packet) || packetIpv6 != ipv6
                || packetTcpHeaderLength != tcpHeaderLength || packetPayload > gsoSize
                || length + packetPayload > MAX_PACKET || !sameFlow(packet) || !checksumsValid(packet)) {
            return false;
        }
        int p = packet.position();
        frame.put(IP + length, packet, p + ipHeaderLength + tcpHeaderLength, packetPayload);
        length += packetPayload;
        count++;
        nextSequence += packetPayload;
        nextId++;
        if ((packetFlags & PSH) != 0) {
            frame.put(IP + ipHeaderLength + 13, (byte) (ACK | PSH)); // the kernel puts it on the last segment
            closed = true;
        }
        if (packetPayload < gsoSize) {
            closed = true; // segments after a short one could not be cut out again
        }
        packet.position(packet.limit());
        return true;
    }

    /**
     * Finishes the held packet for writing and forgets it: the frame's first bytes, as many as
     * returned, are the virtio-net header and the packet. A single packet goes out as it came, with
     * an empty header; a merged one with GSO TCPV4/TCPV6, the first segment's payload size as the
     * MSS, the new IP length, and the pseudo-header sum in the TCP checksum for the kernel to complete.
     *
     * @return the frame length, 0 when nothing was held
     */
    public int release() {
        if (count == 0) {
            return 0;
        }
        if (count == 1) {
            VirtioNetHeader.clear(frame, 0);
        } else {
            if (ipv6) {
                putU16(frame, IP + 4, length - 40);
            } else {
                putU16(frame, IP + 2, length);
                InternetChecksum.setIpv4HeaderChecksum(frame, IP, ipHeaderLength);
            }
            int transportLength = length - ipHeaderLength;
            putU16(frame, IP + ipHeaderLength + 16,
                    InternetChecksum.fold(InternetChecksum.pseudoHeader(frame, IP, ipv6, TCP, transportLength)));
            VirtioNetHeader.write(frame, 0, VirtioNetHeader.F_NEEDS_CSUM,
                    ipv6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4, ipHeaderLength + tcpHeaderLength,
                    gsoSize, ipHeaderLength, 16);
        }
        int frameLength = IP + length;
        count = 0;
        length = 0;
        return frameLength;
    }

    /** Drops what is held. */
    public void reset() {
        count = 0;
        length = 0;
    }

    /** Whether the packet is a TCP data segment that may be merged at all; notes its shape. */
    private boolean parse(ByteBuffer packet) {
        int p = packet.position();
        int length = packet.remaining();
        if (length < 41 || length > MAX_PACKET) {
            return false;
        }
        int first = u8(packet, p);
        if (first == 0x45) {
            // no options; TCP; the length all there; DF, not a fragment
            if (u8(packet, p + 9) != TCP || u16(packet, p + 2) != length || u16(packet, p + 6) != 0x4000) {
                return false;
            }
            packetIpv6 = false;
            packetIpHeaderLength = 20;
        } else if (first >>> 4 == 6) {
            if (length < 61 || u8(packet, p + 6) != TCP || u16(packet, p + 4) != length - 40) {
                return false;
            }
            packetIpv6 = true;
            packetIpHeaderLength = 40;
        } else {
            return false;
        }
        int tcp = p + packetIpHeaderLength;
        int tcpLength = (u8(packet, tcp + 12) >>> 4) * 4;
        int flags = u8(packet, tcp + 13);
        if (tcpLength < 20 || packetIpHeaderLength + tcpLength >= length || (flags != ACK && flags != (ACK | PSH))) {
            return false;
        }
        packetTcpHeaderLength = tcpLength;
        packetPayload = length - packetIpHeaderLength - tcpLength;
        packetFlags = flags;
        return true;
    }

    /** Whether the parsed packet is the next segment of the held flow, with the same headers. */
    private boolean sameFlow(ByteBuffer packet) {
        int p = packet.position();
        if (ipv6) {
            if (u32(packet, p) != u32(frame, IP) || u8(packet, p + 7) != u8(frame, IP + 7)
                    || !sameWords(packet, p + 8, IP + 8, 32)) {
                return false;
            }
        } else if (u8(packet, p + 1) != u8(frame, IP + 1) || u8(packet, p + 8) != u8(frame, IP + 8)
                || (u16(packet, p + 4) != (nextId & 0xffff)) || !sameWords(packet, p + 12, IP + 12, 8)) {
            return false;
        }
        int tcp = p + ipHeaderLength;
        int heldTcp = IP + ipHeaderLength;
        return u32(packet, tcp + 4) == nextSequence
                && u32(packet, tcp) == u32(frame, heldTcp)                    // ports
                && u32(packet, tcp + 8) == u32(frame, heldTcp + 8)            // ACK number
                && u8(packet, tcp + 12) == u8(frame, heldTcp + 12)            // data offset, reserved bits
                && u16(packet, tcp + 14) == u16(frame, heldTcp + 14)          // window
                && u16(packet, tcp + 18) == u16(frame, heldTcp + 18)          // urgent pointer
                && sameWords(packet, tcp + 20, heldTcp + 20, tcpHeaderLength - 20); // options
    }

    private boolean sameWords(ByteBuffer packet, int at, int frameAt, int length) {
        for (int i = 0; i < length; i += 4) {
            if (u32(packet, at + i) != u32(frame, frameAt + i)) {
                return false;
            }
        }
        return true;
    }

    /** The parsed packet's IPv4 header checksum (if any) and TCP checksum are right. */
    private boolean checksumsValid(ByteBuffer packet) {
        int p = packet.position();
        int end = packet.limit();
        if (!packetIpv6 && InternetChecksum.fold(InternetChecksum.sum(packet, p, p + 20)) != 0xffff) {
            return false;
        }
        int tcp = p + packetIpHeaderLength;
        long sum = InternetChecksum.pseudoHeader(packet, p, packetIpv6, TCP, end - tcp)
                + InternetChecksum.sum(packet, tcp, end);
        return InternetChecksum.fold(sum) == 0xffff;
    }
}
