package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;

import static io.portcullis.routing.tun.offload.NetworkOrder.putU16;
import static io.portcullis.routing.tun.offload.NetworkOrder.putU32;
import static io.portcullis.routing.tun.offload.NetworkOrder.u16;
import static io.portcullis.routing.tun.offload.NetworkOrder.u32;
import static io.portcullis.routing.tun.offload.NetworkOrder.u8;

/**
 * Cuts a TCP segmentation-offload super-packet read from a TUN device (virtio gso_type TCPV4 or
 * TCPV6) into the MSS-sized packets a NIC would have put on the wire: the headers of the first
 * segment on each, IP total length (IPv4, with identification counted up and a new header
 * checksum) or payload length (IPv6), sequence numbers, FIN and PSH on the last segment only,
 * CWR on the first only, and each segment's full TCP checksum.
 * <p>
 * It works in place, so a 64 KiB super-packet is never copied: segment {@code i}'s headers are
 * written just in front of its payload, over the tail of segment {@code i - 1}, which the caller
 * has finished with by the time it asks for the next one. The first segment's headers are kept
 * aside as the template. One instance per reading thread; nothing is allocated per packet.
 * <pre>
 *   if (segmenter.begin(buffer, start, end, gsoType, gsoSize, csumStart)) {
 *       while (segmenter.next()) { use the buffer between position and limit }
 *   }
 * </pre>
 */
public final class TcpSegmenter {

    private static final int TCP = 6;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int CWR = 0x80;
    /** IPv6 with extension headers: as far as TCP may start. */
    private static final int MAX_IP_HEADER = 256;
    private static final int MAX_PACKET = VirtioNetHeader.MAX_FRAME - VirtioNetHeader.LENGTH;

    private final byte[] template = new byte[MAX_IP_HEADER + 60];
    private ByteBuffer buffer;
    private int start;
    private int end;
    private boolean ipv6;
    private int ipHeaderLength;
    private int headerLength;
    private int gsoSize;
    private int payloadLength;
    private int firstSequence;
    private int firstId;
    private int firstFlags;
    private long addressSum;
    private int index;
    private int offset;

    /**
     * Checks the super-packet in {@code [start, end)} of the buffer and prepares to cut it. The
     * header length is taken from the packet, not from the kernel's hdr_len, which for forwarded
     * traffic may cover the whole first segment.
     *
     * @param gsoType   the virtio header's gso_type (the ECN bit is allowed)
     * @param csumStart the virtio header's csum_start, used only to find TCP behind IPv6 extension headers
     * @return false when the packet is not a TCP super-packet that can be cut; the buffer is unchanged
     */
    public boolean begin(ByteBuffer buffer, int start, int end, int gsoType, int gsoSize, int csumStart) {
        this.buffer = null;
        int length = end - start;
        int type = gsoType & ~VirtioNetHeader.GSO_ECN;
        if (length < 40 || length > MAX_PACKET || gsoSize == 0
                || (type != VirtioNetHeader.GSO_TCPV4 && type != VirtioNetHeader.GSO_TCPV6)) {
            return false;
        }
        int version = u8(buffer, start) >>> 4;
        int ipLength;
        if (type == VirtioNetHeader.GSO_TCPV4) {
            ipLength = (u8(buffer, start) & 0x0f) * 4;
            if (version != 4 || ipLength < 20 || u8(buffer, start + 9) != TCP
                    || (u16(buffer, start + 6) & 0x3fff) != 0) { // a fragment is never a super-packet
                return false;
            }
        } else {
            if (version != 6) {
                return false;
            }
            if (u8(buffer, start + 6) == TCP) {
                ipLength = 40;
            } else if (csumStart > 40 && csumStart <= MAX_IP_HEADER) {
                ipLength = csumStart; // behind extension headers, where the kernel says TCP starts
            } else {
                return false;
            }
        }
        if (length < ipLength + 20) {
            return false;
        }
        int tcp = start + ipLength;
        int tcpLength = (u8(buffer, tcp + 12) >>> 4) * 4;
        if (tcpLength < 20 || ipLength + tcpLength >= length) {
            return false;
        }
        this.buffer = buffer;
        this.start = start;
        this.end = end;
        this.ipv6 = type == VirtioNetHeader.GSO_TCPV6;
        this.ipHeaderLength = ipLength;
        this.headerLength = ipLength + tcpLength;
        this.gsoSize = gsoSize;
        this.payloadLength = length - headerLength;
        this.firstSequence = u32(buffer, tcp + 4);
        this.firstId = ipv6 ? 0 : u16(buffer, start + 4);
        this.firstFlags = u8(buffer, tcp + 13);
        this.addressSum = InternetChecksum.pseudoHeader(buffer, start, ipv6, TCP, 0);
        this.index = 0;
        this.offset = 0;
        buffer.get(start, template, 0, headerLength);
        return true;
    }

    /**
     * Makes the next segment: on return the buffer's position and limit enclose it.
     *
     * @return false when every segment has been made
     */
    public boolean next() {
        if (buffer == null || offset >= payloadLength) {
            return false;
        }
        buffer.limit(end); // absolute access stops at the limit, which the last segment moved
        int payload = Math.min(gsoSize, payloadLength - offset);
        int segment = start + offset;
        int end = segment + headerLength + payload;
        boolean last = offset + payload == payloadLength;
        if (index > 0) {
            buffer.put(segment, template, 0, headerLength);
        }
        if (ipv6) {
            putU16(buffer, segment + 4, end - segment - 40);
        } else {
            putU16(buffer, segment + 2, end - segment);
            putU16(buffer, segment + 4, firstId + index);
            InternetChecksum.setIpv4HeaderChecksum(buffer, segment, ipHeaderLength);
        }
        int tcp = segment + ipHeaderLength;
        putU32(buffer, tcp + 4, firstSequence + offset);
        int flags = firstFlags;
        if (!last) {
            flags &= ~(FIN | PSH);
        }
        if (index > 0) {
            flags &= ~CWR;
        }
        buffer.put(tcp + 13, (byte) flags);
        putU16(buffer, tcp + 16, 0);
        long sum = addressSum + (end - tcp) + InternetChecksum.sum(buffer, tcp, end);
        putU16(buffer, tcp + 16, InternetChecksum.finish(sum));
        buffer.limit(end);
        buffer.position(segment);
        offset += payload;
        index++;
        return true;
    }
}
