package io.portcullis.routing.tun.offload;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.portcullis.routing.tun.offload.TcpPackets.ACK;
import static io.portcullis.routing.tun.offload.TcpPackets.CWR;
import static io.portcullis.routing.tun.offload.TcpPackets.FIN;
import static io.portcullis.routing.tun.offload.TcpPackets.PSH;
import static org.junit.jupiter.api.Assertions.*;

class TcpSegmenterTest {

    private final Random random = new Random(42);
    private final TcpSegmenter segmenter = new TcpSegmenter();

    @Test
    void cutsIpv4SuperPacketsIntoTheSegmentsANicWouldSend() {
        for (int mss : new int[]{1, 536, 1348, 1448, 9000}) {
            for (int payload : new int[]{mss, 3 * mss, 3 * mss + 1, 5 * mss - 1, Math.min(65_000, 40 * mss + 17)}) {
                check(new TcpPackets.Segment(), mss, payload);
            }
        }
    }

    @Test
    void cutsIpv6SuperPacketsToo() {
        for (int mss : new int[]{1, 1228, 1440}) {
            for (int payload : new int[]{mss, 2 * mss + 5, Math.min(65_400, 45 * mss)}) {
                check(new TcpPackets.Segment().v6(), mss, payload);
            }
        }
    }

    @Test
    void keepsTcpOptionsIpOptionsAndHeaderFields() {
        TcpPackets.Segment first = new TcpPackets.Segment();
        first.options = TcpPackets.bytes("0101080a0001e2400000c350"); // NOP NOP timestamps
        first.ipOptionWords = 2;
        first.tos = 0x28;
        first.ttl = 3;
        first.window = 0xfffe;
        check(first, 1388, 10 * 1388 + 99);
        TcpPackets.Segment v6 = new TcpPackets.Segment().v6();
        v6.options = first.options;
        v6.trafficClass = 0x2a;
        v6.ttl = 1;
        check(v6, 1388, 10 * 1388 + 99);
    }

    @Test
    void aSuperPacketSmallerThanItsMssIsOneSegment() {
        check(new TcpPackets.Segment(), 1448, 100);
    }

    @Test
    void refusesWhatIsNotATcpSuperPacketAndLeavesItAlone() {
        byte[] v4 = superPacket(new TcpPackets.Segment(), 3000, ACK);
        byte[] v6 = superPacket(new TcpPackets.Segment().v6(), 3000, ACK);
        assertRefused(v4, VirtioNetHeader.GSO_TCPV6, 1000, 20);
        assertRefused(v6, VirtioNetHeader.GSO_TCPV4, 1000, 40);
        assertRefused(v4, VirtioNetHeader.GSO_UDP_L4, 1000, 20);
        assertRefused(v4, VirtioNetHeader.GSO_NONE, 1000, 20);
        assertRefused(v4, VirtioNetHeader.GSO_TCPV4, 0, 20);
        assertRefused(Arrays.copyOf(v4, 39), VirtioNetHeader.GSO_TCPV4, 1000, 20);
        assertRefused(Arrays.copyOf(v4, 40), VirtioNetHeader.GSO_TCPV4, 1000, 20); // headers, no payload
        byte[] badOffset = v4.clone();
        badOffset[20 + 12] = 0x40; // data offset 4 words
        assertRefused(badOffset, VirtioNetHeader.GSO_TCPV4, 1000, 20);
        byte[] udp = v4.clone();
        udp[9] = 17;
        assertRefused(udp, VirtioNetHeader.GSO_TCPV4, 1000, 20);
        byte[] fragment = v4.clone();
        fragment[6] = 0x20; // MF
        assertRefused(fragment, VirtioNetHeader.GSO_TCPV4, 1000, 20);
        byte[] extension = v6.clone();
        extension[6] = 0; // hop-by-hop options, and no csum_start past it
        assertRefused(extension, VirtioNetHeader.GSO_TCPV6, 1000, 40);
        assertFalse(segmenter.next(), "nothing to make after a refusal");
    }

    @Test
    void theEcnBitOfTheGsoTypeIsAccepted() {
        byte[] packet = superPacket(new TcpPackets.Segment(), 3000, ACK | CWR);
        ByteBuffer buffer = ByteBuffer.wrap(packet);
        assertTrue(segmenter.begin(buffer, 0, packet.length, VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN,
                1000, 20));
        List<byte[]> segments = drain(buffer);
        assertEquals(3, segments.size());
        assertEquals(ACK | CWR, segments.get(0)[33] & 0xff);
        assertEquals(ACK, segments.get(1)[33] & 0xff);
    }

    /** Cuts a super-packet made from {@code first} and compares with segments built independently. */
    private void check(TcpPackets.Segment first, int mss, int payloadLength) {
        byte[] payload = TcpPackets.random(random, payloadLength);
        int flags = ACK | PSH | FIN | CWR;
        byte[] packet = superPacket(first, payloadLength, flags, payload);
        List<byte[]> expected = new ArrayList<>();
        for (int offset = 0, i = 0; offset < payloadLength; offset += mss, i++) {
            TcpPackets.Segment s = first.copy();
            s.sequence = (first.sequence + offset) & 0xffffffffL;
            s.id = (first.id + i) & 0xffff;
            s.payload = Arrays.copyOfRange(payload, offset, Math.min(payloadLength, offset + mss));
            boolean last = offset + mss >= payloadLength;
            s.flags = ACK | (i == 0 ? CWR : 0) | (last ? PSH | FIN : 0);
            expected.add(s.build());
        }
        ByteBuffer frame = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH + packet.length + 5);
        frame.put(VirtioNetHeader.LENGTH, packet);
        frame.limit(VirtioNetHeader.LENGTH + packet.length);
        int ip = first.ipv6 ? 40 : 20 + 4 * first.ipOptionWords;
        assertTrue(segmenter.begin(frame, VirtioNetHeader.LENGTH, frame.limit(),
                first.ipv6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4, mss, ip));
        List<byte[]> segments = drain(frame);
        assertEquals(expected.size(), segments.size(), "segments for mss " + mss + ", payload " + payloadLength);
        for (int i = 0; i < segments.size(); i++) {
            byte[] segment = segments.get(i);
            assertTrue(TcpPackets.tcpChecksumValid(segment), "TCP checksum of segment " + i);
            if (!first.ipv6) {
                assertTrue(TcpPackets.ipv4HeaderChecksumValid(segment), "IPv4 header checksum of segment " + i);
            }
            assertArrayEquals(expected.get(i), segment, "segment " + i + " of mss " + mss + ", payload " + payloadLength);
        }
    }

    private List<byte[]> drain(ByteBuffer buffer) {
        List<byte[]> segments = new ArrayList<>();
        while (segmenter.next()) {
            byte[] segment = new byte[buffer.remaining()];
            buffer.get(segment); // consumes it, as a receiver does
            segments.add(segment);
        }
        return segments;
    }

    private void assertRefused(byte[] packet, int gsoType, int gsoSize, int csumStart) {
        ByteBuffer buffer = ByteBuffer.wrap(packet.clone());
        assertFalse(segmenter.begin(buffer, 0, packet.length, gsoType, gsoSize, csumStart));
        assertArrayEquals(packet, buffer.array());
    }

    private byte[] superPacket(TcpPackets.Segment first, int payloadLength, int flags) {
        return superPacket(first, payloadLength, flags, TcpPackets.random(random, payloadLength));
    }

    /** What the kernel hands over: the first headers over the whole payload, TCP checksum partial. */
    private static byte[] superPacket(TcpPackets.Segment first, int payloadLength, int flags, byte[] payload) {
        TcpPackets.Segment whole = first.copy();
        whole.payload = payload;
        whole.flags = flags;
        byte[] packet = whole.build();
        int ip = first.ipv6 ? 40 : 20 + 4 * first.ipOptionWords;
        packet[ip + 16] = 0x5a; // a partial sum: the segmenter computes each segment's afresh
        packet[ip + 17] = 0x5a;
        return packet;
    }
}
