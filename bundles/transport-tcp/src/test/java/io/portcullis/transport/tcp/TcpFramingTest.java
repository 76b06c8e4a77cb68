package io.portcullis.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The connection pipeline on an EmbeddedChannel: framing, release of every frame, errors. */
class TcpFramingTest {

    private static final InetSocketAddress PEER = peer();

    private final List<String> received = new ArrayList<>();
    private final List<InetSocketAddress> disconnected = new ArrayList<>();

    @Test
    void aFrameSplitAcrossReadsIsDeliveredOnceWhole() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf first = Unpooled.wrappedBuffer(new byte[] {0, 5, 'h'});
        ByteBuf second = Unpooled.wrappedBuffer(new byte[] {'e', 'l'});
        ByteBuf third = Unpooled.wrappedBuffer(new byte[] {'l', 'o', 0});
        ByteBuf fourth = Unpooled.wrappedBuffer(new byte[] {2, 'o', 'k'});
        assertFalse(ch.writeInbound(first));
        assertFalse(ch.writeInbound(second));
        assertTrue(received.isEmpty());
        assertFalse(ch.writeInbound(third));
        assertEquals(List.of("hello"), received);
        assertFalse(ch.writeInbound(fourth));
        assertEquals(List.of("hello", "ok"), received);

        assertReleased(first, second, third, fourth);
        assertFalse(ch.finish(), "nothing may be left in the pipeline");
        assertEquals(2, binding.statistics().packetsReceived());
        assertEquals(7, binding.statistics().bytesReceived());
        assertEquals(List.of(PEER), disconnected);
    }

    @Test
    void coalescedFramesAreDeliveredInOrder() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf all = Unpooled.buffer();
        for (String text : List.of("a", "bb", "ccc")) {
            all.writeShort(text.length()).writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        }
        all.writeShort(4).writeByte('d'); // a partial fourth frame stays buffered
        ch.writeInbound(all);
        assertEquals(List.of("a", "bb", "ccc"), received);
        assertEquals(1, all.refCnt(), "the decoder still holds the partial frame");
        ch.writeInbound(Unpooled.wrappedBuffer("ddd".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of("a", "bb", "ccc", "dddd"), received);
        assertReleased(all);
        assertFalse(ch.finish());
    }

    @Test
    void aZeroLengthFrameClosesTheConnectionAndNothingAfterItIsDelivered() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf in = Unpooled.buffer().writeShort(1).writeByte('x').writeShort(0).writeShort(1).writeByte('y');
        ch.writeInbound(in);
        assertEquals(List.of("x"), received);
        assertFalse(ch.isOpen());
        assertEquals(2, binding.statistics().dropped(), "the empty frame and the one after it");
        assertEquals(List.of(PEER), disconnected);
        assertReleased(in);
        assertFalse(ch.finish());
    }

    @Test
    void anOversizeFrameClosesTheConnection() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf in = Unpooled.buffer().writeShort(0xFFFF).writeBytes(new byte[100]);
        ch.writeInbound(in);
        assertTrue(received.isEmpty());
        assertFalse(ch.isOpen());
        assertEquals(1, binding.statistics().dropped());
        assertEquals(List.of(PEER), disconnected);
        assertReleased(in);
        assertFalse(ch.finish());
    }

    @Test
    void theLargestPacketPasses() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf in = Unpooled.buffer().writeShort(TcpBinding.MAX_PACKET_BYTES).writeZero(TcpBinding.MAX_PACKET_BYTES);
        ch.writeInbound(in);
        assertEquals(1, received.size());
        assertEquals(TcpBinding.MAX_PACKET_BYTES, received.get(0).length());
        assertTrue(ch.isOpen());
        assertReleased(in);
        assertFalse(ch.finish());
    }

    @Test
    void aFailingReceiverDropsThatPacketButKeepsTheConnection() {
        PacketReceiver picky = (b, peer, packet) -> {
            if (packet.get(packet.position()) == 'x') {
                throw new IllegalStateException("malformed");
            }
            received.add(text(packet));
        };
        TcpBinding binding = binding(picky);
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf in = Unpooled.buffer().writeShort(1).writeByte('x').writeShort(1).writeByte('y');
        ch.writeInbound(in);
        assertEquals(List.of("y"), received);
        assertTrue(ch.isOpen());
        assertEquals(1, binding.statistics().dropped());
        assertEquals(2, binding.statistics().packetsReceived());
        assertReleased(in);
        assertFalse(ch.finish());
    }

    @Test
    void repliesAreFramedAndFlushedAtTheEndOfTheReadBatch() {
        TcpBinding binding = binding((b, peer, packet) -> b.send(peer, packet));
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        ByteBuf in = Unpooled.buffer().writeShort(2).writeBytes(new byte[] {'h', 'i'})
                .writeShort(3).writeBytes(new byte[] {'y', 'o', 'u'});
        ch.writeInbound(in);
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf frame; (frame = ch.readOutbound()) != null; ) {
            out.writeBytes(frame);
            frame.release();
        }
        assertEquals(9, out.readableBytes());
        assertEquals(2, out.readUnsignedShort());
        assertEquals("hi", out.readCharSequence(2, StandardCharsets.US_ASCII).toString());
        assertEquals(3, out.readUnsignedShort());
        assertEquals("you", out.readCharSequence(3, StandardCharsets.US_ASCII).toString());
        assertEquals(2, binding.statistics().packetsSent());
        assertEquals(5, binding.statistics().bytesSent());
        assertReleased(in);
        assertFalse(ch.finish());
    }

    @Test
    void sendsToUnknownPeersAndOversizePacketsAreDropped() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        binding.send(new InetSocketAddress(PEER.getAddress(), PEER.getPort() + 1), ByteBuffer.wrap(new byte[] {1}));
        binding.send(PEER, ByteBuffer.allocate(TcpBinding.MAX_PACKET_BYTES + 1));
        assertNull(ch.readOutbound());
        assertEquals(2, binding.statistics().dropped());
        assertFalse(ch.finish());
    }

    @Test
    void disconnectClosesThatConnectionAndTellsTheReceiver() {
        TcpBinding binding = binding(recording());
        EmbeddedChannel ch = new EmbeddedChannel(binding.connectionHandlers(PEER));
        assertEquals(1, binding.connectionCount());
        binding.disconnect(PEER);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(List.of(PEER), disconnected);
        assertEquals(0, binding.connectionCount());
        assertFalse(ch.finish());
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWithoutADisconnectReport() {
        TcpBinding binding = binding(recording(), 1);
        EmbeddedChannel first = new EmbeddedChannel(binding.connectionHandlers(PEER));
        InetSocketAddress other = new InetSocketAddress(PEER.getAddress(), PEER.getPort() + 1);
        EmbeddedChannel second = new EmbeddedChannel(binding.connectionHandlers(other));
        assertTrue(first.isOpen());
        assertFalse(second.isOpen());
        second.runPendingTasks();
        assertEquals(List.of(), disconnected, "a refused connection was never reported as connected");
        assertEquals(1, binding.connectionCount());
        assertFalse(first.finish());
        assertEquals(List.of(PEER), disconnected);
    }

    private TcpBinding binding(PacketReceiver receiver) {
        return binding(receiver, 16);
    }

    private TcpBinding binding(PacketReceiver receiver, int maxConnections) {
        PacketReceiver withDisconnects = new PacketReceiver() {
            @Override
            public void received(TransportBinding b, InetSocketAddress peer, ByteBuffer packet) {
                receiver.received(b, peer, packet);
            }

            @Override
            public void disconnected(TransportBinding b, InetSocketAddress peer) {
                disconnected.add(peer);
            }
        };
        return new TcpBinding(withDisconnects, maxConnections, 0, b -> { });
    }

    private PacketReceiver recording() {
        return (b, peer, packet) -> {
            assertEquals(PEER.getAddress(), peer.getAddress());
            received.add(text(packet));
        };
    }

    private static String text(ByteBuffer packet) {
        byte[] bytes = new byte[packet.remaining()];
        packet.get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static void assertReleased(ByteBuf... buffers) {
        for (ByteBuf buffer : buffers) {
            assertEquals(0, buffer.refCnt(), "a frame was not released");
        }
    }

    private static InetSocketAddress peer() {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 7}), 40000);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
