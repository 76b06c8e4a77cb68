package io.portcullis.routing.tun.offload;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static io.portcullis.routing.tun.offload.TcpPackets.u16;
import static org.junit.jupiter.api.Assertions.*;

class PartialChecksumTest {

    private final Random random = new Random(7);

    @Test
    void completesTcpChecksumsTheKernelLeftPartialForBothFamilies() {
        for (boolean v6 : new boolean[]{false, true}) {
            for (int round = 0; round < 200; round++) {
                TcpPackets.Segment segment = new TcpPackets.Segment();
                if (v6) {
                    segment.v6();
                }
                segment.payload = TcpPackets.random(random, random.nextInt(1500));
                segment.flags = TcpPackets.ACK | TcpPackets.PSH;
                byte[] valid = segment.build();
                int ip = v6 ? 40 : 20;
                byte[] partial = valid.clone();
                // What the kernel leaves: the folded pseudo-header sum, not inverted.
                int pseudo = InternetChecksum.fold(v6
                        ? TcpPackets.pseudo(TcpPackets.V6_SOURCE, TcpPackets.V6_DESTINATION, valid.length - ip)
                        : TcpPackets.pseudo(TcpPackets.V4_SOURCE, TcpPackets.V4_DESTINATION, valid.length - ip));
                partial[ip + 16] = (byte) (pseudo >>> 8);
                partial[ip + 17] = (byte) pseudo;
                ByteBuffer frame = ByteBuffer.allocateDirect(10 + partial.length);
                frame.position(10);
                frame.put(partial);
                assertTrue(PartialChecksum.complete(frame, 10, frame.limit(), ip, 16));
                byte[] completed = new byte[partial.length];
                frame.get(10, completed);
                assertArrayEquals(valid, completed, "v6 " + v6 + ", payload " + segment.payload.length);
            }
        }
    }

    @Test
    void aZeroUdpChecksumGoesOutAsAllOnes() {
        byte[] packet = udp(new byte[]{1, 2, 3, 4, 0, 0});
        // Choose the last payload word so that the complete checksum comes out 0.
        long sum = TcpPackets.pseudo(TcpPackets.V4_SOURCE, TcpPackets.V4_DESTINATION, packet.length - 20) - 6 + 17;
        int rest = ~TcpPackets.reference(packet, 20, packet.length - 20, sum) & 0xffff;
        int word = 0xffff - rest;
        packet[packet.length - 2] = (byte) (word >>> 8);
        packet[packet.length - 1] = (byte) word;
        int pseudo = InternetChecksum.fold(sum);
        packet[26] = (byte) (pseudo >>> 8);
        packet[27] = (byte) pseudo;
        ByteBuffer buffer = ByteBuffer.wrap(packet);
        assertTrue(PartialChecksum.complete(buffer, 0, packet.length, 20, 6));
        assertEquals(0xffff, u16(packet, 26));
    }

    @Test
    void offsetsOutsideThePacketAreRefusedAndChangeNothing() {
        byte[] packet = new TcpPackets.Segment().build();
        ByteBuffer buffer = ByteBuffer.wrap(packet.clone());
        assertFalse(PartialChecksum.complete(buffer, 0, packet.length, 20, packet.length - 20 - 1));
        assertFalse(PartialChecksum.complete(buffer, 0, packet.length, 0xffff, 16));
        assertFalse(PartialChecksum.complete(buffer, 0, packet.length, 4, 6), "inside the IP header");
        assertArrayEquals(packet, buffer.array());
    }

    private static byte[] udp(byte[] payload) {
        int total = 28 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).put(TcpPackets.V4_SOURCE).put(TcpPackets.V4_DESTINATION)
                .putShort((short) 53).putShort((short) 40000).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        return Arrays.copyOf(b.array(), total);
    }
}
