package io.portcullis.routing.tun.offload;

import java.nio.ByteBuffer;

/**
 * Completes a transport checksum the kernel left partial ({@link VirtioNetHeader#F_NEEDS_CSUM},
 * CHECKSUM_PARTIAL inside the kernel): the field at csum_start + csum_offset holds the folded
 * pseudo-header sum, and the sum from csum_start to the end of the packet goes on top of it.
 */
public final class PartialChecksum {

    private PartialChecksum() {
    }

    /**
     * Completes the checksum of the packet in {@code [packetStart, packetEnd)} of the buffer.
     *
     * @return false, leaving the packet alone, when csum_start and csum_offset do not fit the packet
     */
    public static boolean complete(ByteBuffer buffer, int packetStart, int packetEnd, int csumStart, int csumOffset) {
        int start = packetStart + csumStart;
        int field = start + csumOffset;
        if (csumStart < 20 || field + 2 > packetEnd) {
            return false;
        }
        int checksum = InternetChecksum.finish(InternetChecksum.sum(buffer, start, packetEnd));
        // As the kernel's skb_checksum_help: a zero result goes out as 0xffff, which UDP requires.
        NetworkOrder.putU16(buffer, field, checksum == 0 ? 0xffff : checksum);
        return true;
    }
}
