package io.portcullis.transport.udp;

import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class UdpTransportTest {

    private UdpTransport transport;

    @AfterEach
    void stop() {
        if (transport != null) {
            transport.deactivate();
        }
    }

    @Test
    void echoesThroughTheReceiverAndCountsBothWays() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        TransportBinding binding = transport.bind(null, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertTrue(binding.isOpen());
        assertEquals(InetAddress.getLoopbackAddress(), binding.localAddress().getAddress());
        assertNotEquals(0, binding.localAddress().getPort());

        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            assertEquals("hello", roundTrip(client, binding.localAddress(), "hello"));
        }
        var stats = binding.statistics();
        assertEquals(1, stats.packetsReceived());
        assertEquals(1, stats.packetsSent());
        assertEquals(5, stats.bytesReceived());
        assertEquals(java.util.List.of(binding), transport.bindings());
    }

    /** A TUN reader's path: direct buffers from a thread outside the event loop, then after close. */
    @Test
    void packetsFromOtherThreadsArriveInOrderAndAfterCloseAreDroppedQuietly() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> { }).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            InetSocketAddress peer = (InetSocketAddress) client.getLocalSocketAddress();
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            for (int i = 0; i < 50; i++) {
                direct.clear();
                direct.put(("packet " + i).getBytes(StandardCharsets.US_ASCII)).flip();
                binding.send(peer, direct);
                assertFalse(direct.hasRemaining(), "send consumes the bytes");
                binding.send(peer, ByteBuffer.wrap(("heap " + i).getBytes(StandardCharsets.US_ASCII)));
            }
            binding.flush();
            for (int i = 0; i < 50; i++) {
                DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
                client.receive(reply);
                String text = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
                assertTrue(text.equals("packet " + i) || text.startsWith("heap "), text);
            }
            assertEquals(100, binding.statistics().packetsSent());
            binding.close();
            direct.clear();
            direct.put((byte) 1).flip();
            binding.send(peer, direct);
            assertEquals(100, binding.statistics().packetsSent());
        }
    }

    @Test
    void aFailingReceiverDropsOnlyThatDatagram() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        PacketReceiver picky = (b, peer, packet) -> {
            if (packet.get(packet.position()) == 'x') {
                throw new IllegalStateException("malformed");
            }
            b.send(peer, packet);
        };
        TransportBinding binding = transport.bind(new InetSocketAddress("127.0.0.1", 0), picky)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            byte[] bad = "xbad".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(bad, bad.length, binding.localAddress()));
            assertEquals("good", roundTrip(client, binding.localAddress(), "good"));
        }
        assertEquals(1, binding.statistics().dropped());
        assertTrue(binding.isOpen());
    }

    @Test
    void closingTellsTheReceiverAndFreesThePort() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        var closed = new java.util.concurrent.CountDownLatch(1);
        PacketReceiver receiver = new PacketReceiver() {
            @Override
            public void received(TransportBinding b, InetSocketAddress peer, ByteBuffer packet) {
            }

            @Override
            public void bindingClosed(TransportBinding b) {
                closed.countDown();
            }
        };
        TransportBinding binding = transport.bind(null, receiver).toCompletableFuture().get(5, TimeUnit.SECONDS);
        int port = binding.localAddress().getPort();
        transport.deactivate();
        transport = null;
        assertTrue(closed.await(5, TimeUnit.SECONDS));
        assertFalse(binding.isOpen());
        try (DatagramSocket again = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void aStoppedTransportRefusesNewBindings() {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        transport.deactivate();
        var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> transport.bind(null, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(failure.getCause().getMessage().contains("stopping"));
        transport = null;
    }

    @Test
    void aBusyPortFailsTheBindWithTheAddress() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            var address = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> transport.bind(address, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertTrue(failure.getCause().getMessage().contains(address.toString()), failure.getCause().getMessage());
        }
        assertTrue(transport.bindings().isEmpty());
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new UdpTransport(config("localhost", 1194, 1)))
                .getMessage().startsWith("listenAddress:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new UdpTransport(config("127.0.0.1", 70000, 1)))
                .getMessage().startsWith("port:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new UdpTransport(config("127.0.0.1", 1194, -1)))
                .getMessage().startsWith("eventLoopThreads:"));
    }

    private static String roundTrip(DatagramSocket client, InetSocketAddress server, String text) throws Exception {
        byte[] out = text.getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(out, out.length, server));
        DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
        client.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
    }

    private static PacketReceiver echo() {
        return (binding, peer, packet) -> binding.send(peer, packet);
    }

    static UdpTransportConfig config(String address, int port, int threads) {
        return new UdpTransportConfig() {
            @Override public Class<? extends Annotation> annotationType() { return UdpTransportConfig.class; }
            @Override public String listenAddress() { return address; }
            @Override public int port() { return port; }
            @Override public int eventLoopThreads() { return threads; }
            @Override public int receiveBufferBytes() { return 1 << 20; }
            @Override public int sendBufferBytes() { return 1 << 20; }
        };
    }
}
