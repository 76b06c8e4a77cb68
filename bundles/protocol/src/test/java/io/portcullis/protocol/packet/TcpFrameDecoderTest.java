package io.portcullis.protocol.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TcpFrameDecoderTest {

    private static final byte[][] PACKETS = {
        {0x38, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0},
        {0x28},
        new byte[300],
    };

    private static byte[] stream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : PACKETS) {
            out.writeBytes(TcpFrameDecoder.frame(p));
        }
        return out.toByteArray();
    }

    @Test
    void framePrefixesLength() {
        assertArrayEquals(new byte[] {0, 1, 0x28}, TcpFrameDecoder.frame(new byte[] {0x28}));
    }

    @Test
    void reassemblesAcrossEverySplitPoint() {
        byte[] s = stream();
        for (int cut1 = 0; cut1 <= s.length; cut1++) {
            for (int cut2 = cut1; cut2 <= s.length; cut2 += 7) {
                TcpFrameDecoder d = new TcpFrameDecoder();
                List<byte[]> got = new ArrayList<>();
                got.addAll(d.decode(s, 0, cut1).packets());
                got.addAll(d.decode(s, cut1, cut2 - cut1).packets());
                got.addAll(d.decode(s, cut2, s.length - cut2).packets());
                assertEquals(PACKETS.length, got.size(), "cut at " + cut1 + "/" + cut2);
                for (int i = 0; i < PACKETS.length; i++) {
                    assertArrayEquals(PACKETS[i], got.get(i));
                }
                assertEquals(0, d.bufferedBytes());
            }
        }
    }

    @Test
    void byteAtATime() {
        byte[] s = stream();
        TcpFrameDecoder d = new TcpFrameDecoder();
        int frames = 0;
        for (int i = 0; i < s.length; i++) {
            frames += d.decode(s, i, 1).packets().size();
        }
        assertEquals(3, frames);
    }

    @Test
    void zeroLengthFrameIsAStreamError() {
        TcpFrameDecoder d = new TcpFrameDecoder();
        var f = d.decode(new byte[] {0, 1, 0x28, 0, 0, 0, 1, 0x28}, 0, 8);
        assertEquals(1, f.packets().size());
        assertEquals(Optional.of(DropReason.MALFORMED), f.error());
        // Sticky: the stream cannot be resynchronised.
        assertEquals(Optional.of(DropReason.MALFORMED), d.decode(new byte[] {0, 1, 0x28}, 0, 3).error());
    }

    @Test
    void overlongFrameIsRejectedBeforeBuffering() {
        TcpFrameDecoder d = new TcpFrameDecoder(2048);
        var f = d.decode(new byte[] {0x08, 0x01}, 0, 2);
        assertTrue(f.packets().isEmpty());
        assertEquals(Optional.of(DropReason.TOO_LARGE), f.error());
    }
}
