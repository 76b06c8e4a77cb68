package io.portcullis.routing.tun.offload;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static io.portcullis.routing.tun.offload.TcpPackets.ACK;
import static io.portcullis.routing.tun.offload.TcpPackets.FIN;
import static io.portcullis.routing.tun.offload.TcpPackets.PSH;
import static io.portcullis.routing.tun.offload.TcpPackets.SYN;
import static io.portcullis.routing.tun.offload.TcpPackets.u16;
import static io.portcullis.routing.tun.offload.TcpPackets.u32;
import static org.junit.jupiter.api.Assertions.*;

class TcpCoalescerTest {

    private final Random random = new Random(1234);
    private final ByteBuffer frame = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH + 65535);
    private final TcpCoalescer coalescer = new TcpCoalescer(frame);

    @Test
    void consecutiveIpv4SegmentsOfOneFlowBecomeOneSuperPacketForTheKernel() {
        TcpPackets.Segment first = new TcpPackets.Segment();
        first.options = TcpPackets.bytes("0101080a0001e2400000c350");
        List<byte[]> packets = flow(first, 1448, 10, 500, true);
        List<byte[]> frames = write(packets);
        assertEquals(1, frames.size());
        byte[] f = frames.get(0);
        ByteBuffer header = ByteBuffer.wrap(f);
        int ip = VirtioNetHeader.LENGTH;
        int length = f.length - ip;
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.flags(header, 0));
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(header, 0));
        assertEquals(20 + 32, VirtioNetHeader.headerLength(header, 0));
        assertEquals(1448, VirtioNetHeader.gsoSize(header, 0));
        assertEquals(20, VirtioNetHeader.csumStart(header, 0));
        assertEquals(16, VirtioNetHeader.csumOffset(header, 0));
        assertEquals(f[0], 1, "flags are little-endian bytes: NEEDS_CSUM first");
        assertEquals(1448 & 0xff, f[4] & 0xff, "gso_size low byte first");
        byte[] packet = Arrays.copyOfRange(f, ip, f.length);
        assertEquals(52 + 10 * 1448 + 500, length);
        assertEquals(length, u16(packet, 2), "IPv4 total length");
        assertEquals(first.id, u16(packet, 4), "the first identification");
        assertTrue(TcpPackets.ipv4HeaderChecksumValid(packet));
        assertEquals(first.sequence, u32(packet, 24));
        assertEquals(ACK | PSH, packet[33] & 0xff, "PSH of the last segment");
        int pseudo = ~TcpPackets.reference(new byte[0], 0, 0,
                TcpPackets.pseudo(TcpPackets.V4_SOURCE, TcpPackets.V4_DESTINATION, length - 20)) & 0xffff;
        assertEquals(pseudo, u16(packet, 36), "the pseudo-header sum, for the kernel to complete");
        byte[] payload = new byte[0];
        for (byte[] p : packets) {
            payload = concat(payload, Arrays.copyOfRange(p, 52, p.length));
        }
        assertArrayEquals(payload, Arrays.copyOfRange(packet, 52, packet.length));
        assertSamePackets(packets, segment(frames));
    }

    @Test
    void consecutiveIpv6SegmentsToo() {
        TcpPackets.Segment first = new TcpPackets.Segment().v6();
        List<byte[]> packets = flow(first, 1428, 7, 1428, false);
        List<byte[]> frames = write(packets);
        assertEquals(1, frames.size());
        byte[] f = frames.get(0);
        ByteBuffer header = ByteBuffer.wrap(f);
        assertEquals(VirtioNetHeader.GSO_TCPV6, VirtioNetHeader.gsoType(header, 0));
        assertEquals(60, VirtioNetHeader.headerLength(header, 0));
        assertEquals(40, VirtioNetHeader.csumStart(header, 0));
        byte[] packet = Arrays.copyOfRange(f, VirtioNetHeader.LENGTH, f.length);
        assertEquals(packet.length - 40, u16(packet, 4), "IPv6 payload length");
        assertEquals(ACK, packet[53] & 0xff);
        int pseudo = ~TcpPackets.reference(new byte[0], 0, 0,
                TcpPackets.pseudo(TcpPackets.V6_SOURCE, TcpPackets.V6_DESTINATION, packet.length - 40)) & 0xffff;
        assertEquals(pseudo, u16(packet, 56));
        assertSamePackets(packets, segment(frames));
    }

    @Test
    void aSinglePacketGoesOutAsItCameBehindAnEmptyHeader() {
        byte[] packet = flow(new TcpPackets.Segment(), 1000, 1, 0, false).get(0);
        List<byte[]> frames = write(List.of(packet));
        assertEquals(1, frames.size());
        assertArrayEquals(new byte[10], Arrays.copyOf(frames.get(0), 10));
        assertArrayEquals(packet, Arrays.copyOfRange(frames.get(0), 10, frames.get(0).length));
    }

    @Test
    void onlyTcpDataSegmentsThatCouldBeCutAgainStartASuperPacket() {
        assertNotHeld(s -> s.payload = new byte[0]);                    // a pure ACK
        assertNotHeld(s -> s.flags = SYN | ACK);
        assertNotHeld(s -> s.flags = FIN | ACK);
        assertNotHeld(s -> s.flags = PSH);                              // no ACK
        assertNotHeld(s -> s.ipOptionWords = 1);
        assertNotHeld(s -> s.fragment = 0);                             // no DF
        assertNotHeld(s -> s.fragment = 0x4000 | 0x2000);               // MF
        byte[] bad = flow(new TcpPackets.Segment(), 100, 1, 0, false).get(0);
        bad[bad.length - 1] ^= 1;
        assertFalse(coalescer.hold(ByteBuffer.wrap(bad)), "a TCP checksum that does not match");
        byte[] badHeader = flow(new TcpPackets.Segment(), 100, 1, 0, false).get(0);
        badHeader[10] ^= 1;
        assertFalse(coalescer.hold(ByteBuffer.wrap(badHeader)), "an IPv4 header checksum that does not match");
        byte[] extension = flow(new TcpPackets.Segment().v6(), 100, 1, 0, false).get(0);
        extension[6] = 0;
        assertFalse(coalescer.hold(ByteBuffer.wrap(extension)), "IPv6 with an extension header");
        assertFalse(coalescer.holding());
    }

    @Test
    void aSegmentJoinsOnlyWhenItContinuesTheFlowWithTheSameHeaders() {
        assertNotAppended(s -> s.sequence += 1);
        assertNotAppended(s -> s.acknowledgement += 1);
        assertNotAppended(s -> s.sourcePort += 1);
        assertNotAppended(s -> s.destinationPort += 1);
        assertNotAppended(s -> s.destination = new byte[]{(byte) 192, 0, 2, 11});
        assertNotAppended(s -> s.source = new byte[]{100, 64, 1, 3});
        assertNotAppended(s -> s.window += 1);
        assertNotAppended(s -> s.options = TcpPackets.bytes("0101080a0001e2410000c350"));
        assertNotAppended(s -> s.id += 1);                               // not the next identification
        assertNotAppended(s -> s.tos = 4);
        assertNotAppended(s -> s.ttl = 63);
        assertNotAppended(s -> s.flags = ACK | FIN);
        assertNotAppended(s -> s.payload = new byte[1001]);              // larger than the first
        assertNotAppended(s -> s.payload = new byte[0]);                 // a pure ACK
        TcpPackets.Segment v6 = new TcpPackets.Segment().v6();
        assertNotAppended(v6, s -> s.flowLabel = 7);
        assertNotAppended(v6, s -> s.trafficClass = 1);
        assertNotAppended(v6, s -> s.ttl = 1);
        assertNotAppended(v6, s -> s.sequence -= 1000);                  // a retransmission
    }

    @Test
    void nothingFollowsAShortSegmentOrPsh() {
        TcpPackets.Segment first = new TcpPackets.Segment();
        first.payload = new byte[1000];
        TcpPackets.Segment shorter = first.next(new byte[999]);
        TcpPackets.Segment after = shorter.next(new byte[999]);
        List<byte[]> frames = write(List.of(first.build(), shorter.build(), after.build()));
        assertEquals(2, frames.size());
        TcpPackets.Segment pushed = first.next(new byte[1000]);
        pushed.flags = ACK | PSH;
        frames = write(List.of(first.build(), pushed.build(), pushed.next(new byte[1000]).build()));
        assertEquals(2, frames.size());
        TcpPackets.Segment pushedFirst = first.copy();
        pushedFirst.flags = ACK | PSH;
        frames = write(List.of(pushedFirst.build(), pushedFirst.next(new byte[1000]).build()));
        assertEquals(2, frames.size());
    }

    @Test
    void aSuperPacketStopsShortOf64KiB() {
        List<byte[]> packets = flow(new TcpPackets.Segment(), 1448, 60, 0, false);
        List<byte[]> frames = write(packets);
        assertEquals(2, frames.size());
        assertEquals(10 + 40 + 45 * 1448, frames.get(0).length, "45 segments fit in 65535 bytes, 46 do not");
        assertSamePackets(packets, segment(frames));
    }

    @Test
    void randomTrafficComesOutInOrderAndUnchangedWhenCutAgain() {
        int allPackets = 0, allFrames = 0;
        for (int round = 0; round < 300; round++) {
            List<byte[]> packets = new ArrayList<>();
            TcpPackets.Segment flowA = new TcpPackets.Segment();
            flowA.sequence = random.nextInt() & 0xffffffffL;
            flowA.id = random.nextInt(65536);
            TcpPackets.Segment flowB = new TcpPackets.Segment().v6();
            flowB.sourcePort = 40001;
            int mss = 1 + random.nextInt(1460);
            flowA.payload = TcpPackets.random(random, mss);
            flowB.payload = TcpPackets.random(random, mss);
            for (int i = 0; i < 80; i++) {
                boolean a = random.nextInt(4) != 0;
                TcpPackets.Segment s = (a ? flowA : flowB);
                TcpPackets.Segment next = s.next(TcpPackets.random(random,
                        random.nextInt(10) == 0 ? random.nextInt(mss + 1) : mss));
                switch (random.nextInt(20)) {
                    case 0 -> next.flags = ACK | PSH;
                    case 1 -> next.window++;
                    case 2 -> next.acknowledgement++;
                    case 3 -> next.sequence = (next.sequence + 1) & 0xffffffffL; // a gap
                    default -> {
                    }
                }
                byte[] bytes = next.build();
                if (random.nextInt(50) == 0) {
                    bytes[bytes.length - 1] ^= 0x40; // corrupt: must go out alone, as it is
                }
                packets.add(bytes);
                next.flags = ACK;
                if (a) {
                    flowA = next;
                } else {
                    flowB = next;
                }
            }
            List<byte[]> frames = write(packets);
            assertSamePackets(packets, segment(frames));
            allPackets += packets.size();
            allFrames += frames.size();
        }
        assertTrue(allFrames < allPackets * 7 / 10, allFrames + " frames for " + allPackets + " packets");
    }

    // ---- helpers

    /** {@code count} segments of {@code mss} bytes, then one of {@code last} bytes if not 0. */
    private List<byte[]> flow(TcpPackets.Segment first, int mss, int count, int last, boolean pushLast) {
        List<byte[]> packets = new ArrayList<>();
        TcpPackets.Segment s = first.copy();
        s.payload = TcpPackets.random(random, mss);
        for (int i = 0; i < count + (last > 0 ? 1 : 0); i++) {
            if (i > 0) {
                s = s.next(TcpPackets.random(random, i == count ? last : mss));
            }
            if (pushLast && i == count - (last > 0 ? 0 : 1)) {
                s.flags = ACK | PSH;
            }
            packets.add(s.build());
        }
        return packets;
    }

    /** What a writing thread does (see LinuxTunDevice.write), flushing at the end. */
    private List<byte[]> write(List<byte[]> packets) {
        List<byte[]> frames = new ArrayList<>();
        for (byte[] bytes : packets) {
            ByteBuffer packet = ByteBuffer.wrap(bytes);
            if (coalescer.holding()) {
                if (coalescer.append(packet)) {
                    assertFalse(packet.hasRemaining(), "consumed");
                    continue;
                }
                assertEquals(0, packet.position(), "left alone");
                frames.add(release());
            }
            if (coalescer.hold(packet)) {
                assertFalse(packet.hasRemaining(), "consumed");
                continue;
            }
            assertEquals(0, packet.position(), "left alone");
            frames.add(concat(new byte[VirtioNetHeader.LENGTH], bytes));
        }
        if (coalescer.holding()) {
            frames.add(release());
        }
        assertFalse(coalescer.holding());
        return frames;
    }

    private byte[] release() {
        int length = coalescer.release();
        byte[] bytes = new byte[length];
        frame.get(0, bytes);
        return bytes;
    }

    /** What the kernel makes of the frames: the packets of each, cut by the segmenter when GSO. */
    private static List<byte[]> segment(List<byte[]> frames) {
        List<byte[]> packets = new ArrayList<>();
        TcpSegmenter segmenter = new TcpSegmenter();
        for (byte[] f : frames) {
            ByteBuffer buffer = ByteBuffer.wrap(f.clone());
            int gso = VirtioNetHeader.gsoType(buffer, 0);
            if (gso == VirtioNetHeader.GSO_NONE) {
                assertEquals(0, VirtioNetHeader.flags(buffer, 0));
                packets.add(Arrays.copyOfRange(f, VirtioNetHeader.LENGTH, f.length));
                continue;
            }
            assertTrue(segmenter.begin(buffer, VirtioNetHeader.LENGTH, f.length, gso,
                    VirtioNetHeader.gsoSize(buffer, 0), VirtioNetHeader.csumStart(buffer, 0)));
            while (segmenter.next()) {
                byte[] p = new byte[buffer.remaining()];
                buffer.get(p);
                packets.add(p);
            }
        }
        return packets;
    }

    private void assertNotHeld(Consumer<TcpPackets.Segment> change) {
        TcpPackets.Segment s = new TcpPackets.Segment();
        s.payload = new byte[100];
        change.accept(s);
        byte[] packet = s.build();
        ByteBuffer buffer = ByteBuffer.wrap(packet);
        assertFalse(coalescer.hold(buffer));
        assertEquals(0, buffer.position());
        assertFalse(coalescer.holding());
    }

    private void assertNotAppended(Consumer<TcpPackets.Segment> change) {
        assertNotAppended(new TcpPackets.Segment(), change);
    }

    private void assertNotAppended(TcpPackets.Segment template, Consumer<TcpPackets.Segment> change) {
        TcpPackets.Segment first = template.copy();
        first.payload = TcpPackets.random(random, 1000);
        TcpPackets.Segment next = first.next(TcpPackets.random(random, 1000));
        assertTrue(coalescer.hold(ByteBuffer.wrap(first.build())));
        TcpPackets.Segment good = next.copy();
        change.accept(next);
        ByteBuffer buffer = ByteBuffer.wrap(next.build());
        assertFalse(coalescer.append(buffer));
        assertEquals(0, buffer.position(), "left alone");
        assertTrue(coalescer.append(ByteBuffer.wrap(good.build())), "the unchanged segment joins");
        coalescer.reset();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** The same packets in the same order, byte for byte. */
    private static void assertSamePackets(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "packets");
        for (int i = 0; i < expected.size(); i++) {
            int at = Arrays.mismatch(expected.get(i), actual.get(i));
            assertEquals(-1, at, "packet " + i + " of " + expected.size() + " differs at byte " + at);
        }
    }
}
