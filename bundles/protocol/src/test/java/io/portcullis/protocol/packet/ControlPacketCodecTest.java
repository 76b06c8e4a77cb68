package io.portcullis.protocol.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ControlPacketCodecTest {

    private static final HexFormat HEX = HexFormat.of();
    // First two datagrams of an unwrapped stock OpenVPN 2.6.14 handshake (plain.cap).
    private static final byte[] CLIENT_RESET = HEX.parseHex("38ceab5946595a7b8e0000000000");
    private static final byte[] SERVER_RESET = HEX.parseHex("40befc0024c5d447770100000000ceab5946595a7b8e00000000");

    @Test
    void opcodeAndKeyIdFromFirstByte() {
        assertEquals(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, Opcode.fromFirstByte(0x38));
        assertEquals(Opcode.P_DATA_V2, Opcode.fromFirstByte(0x4b));
        assertEquals(3, Opcode.keyIdOf(0x4b));
        assertEquals((byte) 0x4b, Opcode.P_DATA_V2.firstByte(3));
        assertEquals((byte) 0x5f, Opcode.P_CONTROL_WKC_V1.firstByte(7));
        assertNull(Opcode.fromFirstByte(0x00));
        assertNull(Opcode.fromFirstByte(12 << 3));
    }

    @Test
    void decodesStockClientReset() {
        var p = (ControlPacket.Reliable) ControlPacketCodec.decode(CLIENT_RESET).valueOrNull();
        assertEquals(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, p.opcode());
        assertEquals(0, p.keyId());
        assertEquals(new SessionId(0xceab5946595a7b8eL), p.sessionId());
        assertEquals(AckBlock.EMPTY, p.acks());
        assertEquals(0, p.messagePacketId());
        assertEquals(0, p.payload().length);
        assertArrayEquals(CLIENT_RESET, ControlPacketCodec.encode(p));
    }

    @Test
    void decodesStockServerResetWithAck() {
        var p = (ControlPacket.Reliable) ControlPacketCodec.decode(SERVER_RESET).valueOrNull();
        assertEquals(Opcode.P_CONTROL_HARD_RESET_SERVER_V2, p.opcode());
        assertEquals(List.of(0L), p.acks().packetIds());
        assertEquals(new SessionId(0xceab5946595a7b8eL), p.acks().remoteSessionId());
        assertArrayEquals(SERVER_RESET, ControlPacketCodec.encode(p));
    }

    @Test
    void roundTripsAckAndControlPackets() {
        SessionId a = new SessionId(0x0102030405060708L);
        SessionId b = new SessionId(-2);
        var ack = new ControlPacket.Ack(2, a, AckBlock.of(b, 1, 2, 0xFFFFFFFFL));
        byte[] wire = ControlPacketCodec.encode(ack);
        assertEquals("2a" + "0102030405060708" + "03" + "00000001" + "00000002" + "ffffffff" + "fffffffffffffffe",
                HEX.formatHex(wire));
        assertEquals(ack, ControlPacketCodec.decode(wire).valueOrNull());

        var ctl = new ControlPacket.Reliable(Opcode.P_CONTROL_V1, 1, a, AckBlock.EMPTY, 7, new byte[] {1, 2, 3});
        assertEquals("21" + "0102030405060708" + "00" + "00000007" + "010203",
                HEX.formatHex(ControlPacketCodec.encode(ctl)));
        assertEquals(ctl, ControlPacketCodec.decode(ControlPacketCodec.encode(ctl)).valueOrNull());
    }

    @Test
    void rejectsMoreThanEightAcks() {
        byte[] wire = HEX.parseHex("28" + "0102030405060708" + "09" + "00000000".repeat(9) + "0102030405060708");
        assertDrop(DropReason.MALFORMED, ControlPacketCodec.decode(wire));
    }

    @Test
    void rejectsAckWithoutIds() {
        assertDrop(DropReason.MALFORMED, ControlPacketCodec.decode(HEX.parseHex("280102030405060708" + "00")));
    }

    @Test
    void rejectsDataAndObsoleteOpcodes() {
        assertDrop(DropReason.UNEXPECTED_OPCODE, ControlPacketCodec.decode(HEX.parseHex("48000001000000000000000000")));
        assertDrop(DropReason.UNEXPECTED_OPCODE, ControlPacketCodec.decode(HEX.parseHex("08010203040506070800000000")));
        assertDrop(DropReason.UNEXPECTED_OPCODE, ControlPacketCodec.decode(HEX.parseHex("600102030405060708000000000000")));
    }

    @Test
    void everyTruncationIsATypedDrop() {
        for (int len = 0; len < SERVER_RESET.length; len++) {
            var r = ControlPacketCodec.decode(ByteBuffer.wrap(SERVER_RESET, 0, len));
            assertInstanceOf(ParseResult.Dropped.class, r, "length " + len);
        }
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(64)];
            random.nextBytes(b);
            if (b.length > 0 && random.nextBoolean()) {
                b[0] = (byte) (random.nextInt(12) << 3 | random.nextInt(8));
            }
            ControlPacketCodec.decode(b); // must return, never throw
            DataPacketHeader.read(ByteBuffer.wrap(b));
        }
    }

    @Test
    void dataHeaders() {
        ByteBuffer buf = ByteBuffer.allocate(8);
        DataPacketHeader.v2(1, 0x123456).write(buf);
        assertEquals("49123456", HEX.formatHex(buf.array(), 0, 4));
        buf.flip();
        assertEquals(DataPacketHeader.v2(1, 0x123456), DataPacketHeader.read(buf).valueOrNull());
        assertEquals(4, buf.position());

        var v1 = DataPacketHeader.read(ByteBuffer.wrap(new byte[] {0x32, 9})).valueOrNull();
        assertEquals(DataPacketHeader.v1(2), v1);
        assertEquals(1, v1.length());

        assertDrop(DropReason.TRUNCATED, DataPacketHeader.read(ByteBuffer.wrap(HEX.parseHex("4800ff"))));
        assertDrop(DropReason.UNEXPECTED_OPCODE, DataPacketHeader.read(ByteBuffer.wrap(HEX.parseHex("20000000"))));
    }

    static void assertDrop(DropReason reason, ParseResult<?> result) {
        var d = assertInstanceOf(ParseResult.Dropped.class, result);
        assertEquals(reason, d.reason(), d.detail());
    }
}
