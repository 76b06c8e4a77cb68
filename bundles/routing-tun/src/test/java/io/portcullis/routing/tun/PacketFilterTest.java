package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.Random;

import static io.portcullis.routing.tun.Packets.ip;
import static io.portcullis.routing.tun.Packets.udp;
import static org.junit.jupiter.api.Assertions.*;

class PacketFilterTest {

    private final PacketFilter filter = new PacketFilter(IpNetwork.parse("10.8.0.0/22"),
            Optional.of(IpNetwork.parse("fd00:8:0:4::/62")));
    private static final byte[] HI = {'h', 'i'};

    @Test
    void passesPacketsForClientsAndTrimsToTheIpLength() {
        byte[] packet = udp(ip("192.0.2.1"), 53, ip("10.8.3.254"), 4000, HI);
        ByteBuffer padded = ByteBuffer.allocate(packet.length + 10).put(packet).clear();
        assertEquals(PacketFilter.PASS, filter.fromNetwork(padded));
        assertEquals(packet.length, padded.remaining());
        assertEquals(PacketFilter.PASS, filter.fromNetwork(ByteBuffer.wrap(
                udp(ip("2001:db8::1"), 53, ip("fd00:8:0:7:ffff::1"), 4000, HI))));
    }

    @Test
    void refusesAddressesOutsideTheClientNetworks() {
        assertEquals(PacketFilter.OUTSIDE, filter.fromNetwork(ByteBuffer.wrap(udp(ip("192.0.2.1"), 1, ip("10.8.4.1"), 2, HI))));
        assertEquals(PacketFilter.OUTSIDE, filter.fromNetwork(ByteBuffer.wrap(
                udp(ip("2001:db8::1"), 1, ip("fd00:8:0:8::1"), 2, HI))));
        assertEquals(PacketFilter.OUTSIDE, filter.fromNetwork(ByteBuffer.wrap(
                udp(ip("fe80::1"), 1, ip("ff02::2"), 2, HI))));
        // from clients the source counts
        assertEquals(PacketFilter.PASS, filter.fromClient(ByteBuffer.wrap(udp(ip("10.8.0.9"), 1, ip("8.8.8.8"), 2, HI))));
        assertEquals(PacketFilter.OUTSIDE, filter.fromClient(ByteBuffer.wrap(udp(ip("10.9.0.9"), 1, ip("10.8.0.1"), 2, HI))));
        PacketFilter v4only = new PacketFilter(IpNetwork.parse("10.8.0.0/24"), Optional.empty());
        assertEquals(PacketFilter.OUTSIDE, v4only.fromClient(ByteBuffer.wrap(udp(ip("fd00:8:0:4::2"), 1, ip("::1"), 2, HI))));
    }

    @Test
    void refusesMalformedPackets() {
        byte[] good = udp(ip("10.8.0.2"), 1, ip("10.8.0.1"), 2, HI);
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(new byte[0])));
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(new byte[19])));
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(good, 0, good.length - 1)), "truncated");
        byte[] badIhl = good.clone();
        badIhl[0] = 0x44;
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(badIhl)));
        byte[] v5 = good.clone();
        v5[0] = 0x55;
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(v5)));
        byte[] v6 = udp(ip("fd00:8:0:4::2"), 1, ip("::1"), 2, HI);
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(v6, 0, 39)));
        assertEquals(PacketFilter.MALFORMED, filter.fromClient(ByteBuffer.wrap(v6, 0, v6.length - 1)));
    }

    @Test
    void worksAtAnyPositionAndByteOrder() {
        byte[] packet = udp(ip("10.8.0.2"), 1, ip("10.8.0.1"), 2, HI);
        ByteBuffer b = ByteBuffer.allocateDirect(100).order(ByteOrder.LITTLE_ENDIAN);
        b.position(7);
        b.put(packet).flip().position(7);
        assertEquals(PacketFilter.PASS, filter.fromClient(b));
        assertEquals(7, b.position());
        assertEquals(7 + packet.length, b.limit());
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[random.nextInt(80)];
            random.nextBytes(junk);
            if (junk.length > 0 && random.nextBoolean()) {
                junk[0] = (byte) (random.nextBoolean() ? 0x45 : 0x60);
            }
            int verdict = filter.fromNetwork(ByteBuffer.wrap(junk));
            assertTrue(verdict == PacketFilter.PASS || verdict == PacketFilter.MALFORMED || verdict == PacketFilter.OUTSIDE);
        }
    }
}
