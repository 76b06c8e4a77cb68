package io.portcullis.routing.tun.offload;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static io.portcullis.routing.tun.offload.TcpPackets.reference;
import static org.junit.jupiter.api.Assertions.*;

class InternetChecksumTest {

    private final Random random = new Random(0x5eed);

    @Test
    void agreesWithTheReferenceOnRandomDataAtAnyOffsetLengthBufferKindAndOrder() {
        for (int round = 0; round < 4000; round++) {
            int length = round < 3000 ? random.nextInt(200) : random.nextInt(65536);
            int offset = random.nextInt(16);
            byte[] data = new byte[offset + length + random.nextInt(16)];
            random.nextBytes(data);
            if (round % 7 == 0) {
                java.util.Arrays.fill(data, (byte) 0xff); // the most carries
            }
            int expected = reference(data, offset, length, 0);
            for (ByteBuffer buffer : buffers(data)) {
                int position = buffer.position();
                int limit = buffer.limit();
                long sum = InternetChecksum.sum(buffer, offset, offset + length);
                assertTrue(sum >= 0 && sum <= 0xffff, "folded");
                assertEquals(expected, InternetChecksum.finish(sum),
                        "length " + length + " at " + offset + " in " + (buffer.isDirect() ? "direct " : "heap ")
                                + buffer.order());
                assertEquals(position, buffer.position(), "position untouched");
                assertEquals(limit, buffer.limit(), "limit untouched");
            }
        }
    }

    @Test
    void piecesAddUp() {
        for (int round = 0; round < 500; round++) {
            byte[] data = TcpPackets.random(random, 2 + random.nextInt(3000));
            int cut = random.nextInt(data.length / 2) * 2; // pieces start at even offsets
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long initial = random.nextInt(1 << 20);
            long sum = initial + InternetChecksum.sum(buffer, 0, cut) + InternetChecksum.sum(buffer, cut, data.length);
            assertEquals(reference(data, 0, data.length, initial), InternetChecksum.finish(sum));
        }
    }

    @Test
    void foldKeepsEveryCarry() {
        assertEquals(0, InternetChecksum.fold(0));
        assertEquals(0xffff, InternetChecksum.fold(0xffff));
        assertEquals(1, InternetChecksum.fold(0x10000));
        assertEquals(0xffff, InternetChecksum.fold(0xffffffffL));
        assertEquals(0xffff, InternetChecksum.fold(-1L)); // all 64 bits set: still all ones
        for (int i = 0; i < 10_000; i++) {
            long value = random.nextLong() >>> random.nextInt(40);
            long slow = value;
            while (slow >>> 16 != 0) {
                slow = (slow & 0xffff) + (slow >>> 16);
            }
            assertEquals(slow, InternetChecksum.fold(value), Long.toHexString(value));
        }
    }

    @Test
    void pseudoHeadersOfBothFamilies() {
        byte[] v4 = new TcpPackets.Segment().build();
        assertEquals(InternetChecksum.fold(TcpPackets.pseudo(TcpPackets.V4_SOURCE, TcpPackets.V4_DESTINATION, 20)),
                InternetChecksum.fold(InternetChecksum.pseudoHeader(ByteBuffer.wrap(v4), 0, false, 6, 20)));
        byte[] v6 = new TcpPackets.Segment().v6().build();
        ByteBuffer shifted = ByteBuffer.allocateDirect(v6.length + 3).position(3).put(v6);
        assertEquals(InternetChecksum.fold(TcpPackets.pseudo(TcpPackets.V6_SOURCE, TcpPackets.V6_DESTINATION, 20)),
                InternetChecksum.fold(InternetChecksum.pseudoHeader(shifted, 3, true, 6, 20)));
    }

    private static ByteBuffer[] buffers(byte[] data) {
        ByteBuffer heap = ByteBuffer.wrap(data);
        ByteBuffer heapLittle = ByteBuffer.wrap(data.clone()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        ByteBuffer directLittle = ByteBuffer.allocateDirect(data.length).order(ByteOrder.LITTLE_ENDIAN).put(data).flip();
        directLittle.position(Math.min(3, data.length)); // position and limit play no part
        byte[] padded = new byte[data.length + 5];
        System.arraycopy(data, 0, padded, 5, data.length);
        ByteBuffer heapSlice = ByteBuffer.wrap(padded, 5, data.length).slice(); // an array offset of 5
        return new ByteBuffer[]{heap, heapLittle, direct, directLittle, heapSlice};
    }
}
