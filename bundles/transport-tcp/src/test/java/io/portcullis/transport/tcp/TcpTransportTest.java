package io.portcullis.transport.tcp;

import io.netty.channel.ChannelOption;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The transport over real loopback sockets. */
class TcpTransportTest {

    private TcpTransport transport;
    private final BlockingQueue<InetSocketAddress> disconnects = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        if (transport != null) {
            transport.deactivate();
        }
    }

    @Test
    void echoesFramedPacketsSplitOrCoalesced() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        TransportBinding binding = bind(echo());
        assertTrue(binding.isOpen());
        assertEquals(InetAddress.getLoopbackAddress(), binding.localAddress().getAddress());
        assertNotEquals(0, binding.localAddress().getPort());
        assertEquals("tcp", binding.transportName());

        try (Socket client = connect(binding)) {
            OutputStream out = client.getOutputStream();
            DataInputStream in = new DataInputStream(client.getInputStream());
            // Two packets in one segment, then one split in the middle of its length field and body.
            out.write(concat(frame("one"), frame("two")));
            out.flush();
            byte[] three = frame("three");
            out.write(three, 0, 1);
            out.flush();
            Thread.sleep(50);
            out.write(three, 1, 4);
            out.flush();
            Thread.sleep(50);
            out.write(three, 5, three.length - 5);
            out.flush();
            assertEquals("one", readFrame(in));
            assertEquals("two", readFrame(in));
            assertEquals("three", readFrame(in));

            // Accepted sockets have TCP_NODELAY.
            var peer = (InetSocketAddress) client.getLocalSocketAddress();
            TcpBinding tcp = (TcpBinding) binding;
            assertEquals(1, tcp.connectionCount());
            assertEquals(Boolean.TRUE, tcpNoDelay(tcp, peer));
        }
        var stats = binding.statistics();
        assertEquals(3, stats.packetsReceived());
        assertEquals(11, stats.bytesReceived());
        assertEquals(3, stats.packetsSent());
        assertEquals(11, stats.bytesSent());
        assertEquals(0, stats.dropped());
        assertEquals(List.of(binding), transport.bindings());
    }

    @Test
    void theEndOfEachReadIsToldAfterItsPackets() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        PacketReceiver recorder = new PacketReceiver() {
            @Override
            public void received(TransportBinding b, InetSocketAddress peer, ByteBuffer packet) {
                byte[] bytes = new byte[packet.remaining()];
                packet.get(bytes);
                events.add(new String(bytes, StandardCharsets.US_ASCII));
            }

            @Override
            public void batchEnd(TransportBinding b) {
                events.add("batch end");
            }
        };
        TransportBinding binding = bind(recorder);
        try (Socket client = connect(binding)) {
            OutputStream out = client.getOutputStream();
            out.write(concat(frame("one"), frame("two"))); // one segment: one read, two packets
            out.flush();
            assertEquals("one", events.poll(5, TimeUnit.SECONDS));
            assertEquals("two", events.poll(5, TimeUnit.SECONDS));
            assertEquals("batch end", events.poll(5, TimeUnit.SECONDS), "the routing engine flushes after the read");
        }
    }

    @Test
    void clientCloseAndServerDisconnectAreReported() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        TransportBinding binding = bind(echo());
        try (Socket first = connect(binding); Socket second = connect(binding)) {
            roundTrip(first, "a");
            roundTrip(second, "b");
            InetSocketAddress firstPeer = (InetSocketAddress) first.getLocalSocketAddress();
            InetSocketAddress secondPeer = (InetSocketAddress) second.getLocalSocketAddress();

            first.close();
            assertEquals(firstPeer, disconnects.poll(5, TimeUnit.SECONDS));

            binding.disconnect(secondPeer);
            assertEquals(secondPeer, disconnects.poll(5, TimeUnit.SECONDS));
            assertEquals(-1, second.getInputStream().read(), "the server closed the connection");
        }
        assertTrue(binding.isOpen());
        assertEquals(0, ((TcpBinding) binding).connectionCount());
    }

    @Test
    void aBadFrameClosesOnlyThatConnection() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        TransportBinding binding = bind(echo());
        try (Socket good = connect(binding); Socket bad = connect(binding)) {
            roundTrip(good, "before");
            bad.getOutputStream().write(new byte[] {0, 0});
            assertEquals(-1, bad.getInputStream().read());
            assertNotNull(disconnects.poll(5, TimeUnit.SECONDS));
            roundTrip(good, "after");
        }
        assertEquals(1, binding.statistics().dropped());
        assertTrue(binding.isOpen());
    }

    @Test
    void aFailingReceiverDropsOnlyThatPacket() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        PacketReceiver picky = (b, peer, packet) -> {
            if (packet.get(packet.position()) == 'x') {
                throw new IllegalStateException("malformed");
            }
            b.send(peer, packet);
        };
        TransportBinding binding = bind(picky);
        try (Socket client = connect(binding)) {
            client.getOutputStream().write(frame("xbad"));
            roundTrip(client, "good");
        }
        assertEquals(1, binding.statistics().dropped());
    }

    @Test
    void connectionsBeyondTheLimitAreClosed() throws Exception {
        transport = new TcpTransport(config(1, 10));
        TransportBinding binding = bind(echo());
        try (Socket first = connect(binding)) {
            roundTrip(first, "in");
            try (Socket second = connect(binding)) {
                assertEquals(-1, second.getInputStream().read(), "refused right after accept");
            }
            roundTrip(first, "still");
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        transport = new TcpTransport(config(1024, 1));
        TransportBinding binding = bind(echo());
        try (Socket silent = connect(binding); Socket talker = connect(binding)) {
            roundTrip(talker, "hello");
            long start = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read());
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waitedMillis < 3000, "closed after " + waitedMillis + " ms");
            assertEquals(silent.getLocalSocketAddress(), disconnects.poll(5, TimeUnit.SECONDS));
            Thread.sleep(1200);
            roundTrip(talker, "a packet came in time: no timeout");
        }
    }

    @Test
    void deactivateClosesConnectionsThenTheBindingAndFreesThePort() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        CountDownLatch closed = new CountDownLatch(1);
        PacketReceiver receiver = new PacketReceiver() {
            @Override
            public void received(TransportBinding b, InetSocketAddress peer, ByteBuffer packet) {
                b.send(peer, packet);
            }

            @Override
            public void disconnected(TransportBinding b, InetSocketAddress peer) {
                assertEquals(1, closed.getCount(), "disconnects come before bindingClosed");
                disconnects.add(peer);
            }

            @Override
            public void bindingClosed(TransportBinding b) {
                closed.countDown();
            }
        };
        TransportBinding binding = transport.bind(null, receiver).toCompletableFuture().get(5, TimeUnit.SECONDS);
        int port = binding.localAddress().getPort();
        try (Socket a = connect(binding); Socket b = connect(binding)) {
            roundTrip(a, "a");
            roundTrip(b, "b");
            transport.deactivate();
            transport = null;
            assertTrue(closed.await(5, TimeUnit.SECONDS));
            assertEquals(2, disconnects.size());
            assertFalse(binding.isOpen());
            assertTrue(readsEof(a));
            assertTrue(readsEof(b));
        }
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void aBusyPortFailsTheBindWithTheAddress() throws Exception {
        transport = new TcpTransport(config(1024, 10));
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var address = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            var failure = assertThrows(ExecutionException.class,
                    () -> transport.bind(address, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertInstanceOf(java.net.BindException.class, failure.getCause());
            assertTrue(failure.getCause().getMessage().contains(address.toString()), failure.getCause().getMessage());
        }
        assertTrue(transport.bindings().isEmpty());
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertRefused("listenAddress:", config("localhost", 1194, 1, 1024, 10, 1 << 20));
        assertRefused("port:", config("127.0.0.1", 70000, 1, 1024, 10, 1 << 20));
        assertRefused("eventLoopThreads:", config("127.0.0.1", 1194, -1, 1024, 10, 1 << 20));
        assertRefused("maxConnections:", config("127.0.0.1", 1194, 1, 0, 10, 1 << 20));
        assertRefused("handshakeTimeoutSeconds:", config("127.0.0.1", 1194, 1, 1024, -1, 1 << 20));
        assertRefused("sendQueueBytes:", config("127.0.0.1", 1194, 1, 1024, 10, 100));
    }

    private static void assertRefused(String prefix, TcpTransportConfig config) {
        String message = assertThrows(IllegalArgumentException.class, () -> new TcpTransport(config)).getMessage();
        assertTrue(message.startsWith(prefix), message);
    }

    private TransportBinding bind(PacketReceiver receiver) throws Exception {
        PacketReceiver reporting = new PacketReceiver() {
            @Override
            public void received(TransportBinding b, InetSocketAddress peer, ByteBuffer packet) {
                receiver.received(b, peer, packet);
            }

            @Override
            public void batchEnd(TransportBinding b) {
                receiver.batchEnd(b);
            }

            @Override
            public void disconnected(TransportBinding b, InetSocketAddress peer) {
                disconnects.add(peer);
            }
        };
        return transport.bind(new InetSocketAddress("127.0.0.1", 0), reporting).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Object tcpNoDelay(TcpBinding binding, InetSocketAddress peer) throws Exception {
        for (int i = 0; i < 50 && binding.connectionCount() == 0; i++) {
            Thread.sleep(10);
        }
        TcpConnection connection = binding.connection(peer);
        assertNotNull(connection, "the server knows the client by its address");
        return connection.channel().config().getOption(ChannelOption.TCP_NODELAY);
    }

    private static Socket connect(TransportBinding binding) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(binding.localAddress(), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    private static void roundTrip(Socket client, String text) throws IOException {
        client.getOutputStream().write(frame(text));
        assertEquals(text, readFrame(new DataInputStream(client.getInputStream())));
    }

    private static boolean readsEof(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static byte[] frame(String text) {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(2 + body.length).putShort((short) body.length).put(body).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    private static String readFrame(DataInputStream in) throws IOException {
        int length = in.readUnsignedShort();
        byte[] body = new byte[length];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            throw new AssertionError("connection closed inside a frame", e);
        }
        return new String(body, StandardCharsets.US_ASCII);
    }

    private static PacketReceiver echo() {
        return (binding, peer, packet) -> binding.send(peer, packet);
    }

    static TcpTransportConfig config(int maxConnections, int handshakeTimeoutSeconds) {
        return config("127.0.0.1", 0, 1, maxConnections, handshakeTimeoutSeconds, 1 << 20);
    }

    static TcpTransportConfig config(String address, int port, int threads, int maxConnections,
                                     int handshakeTimeoutSeconds, int sendQueueBytes) {
        return new TcpTransportConfig() {
            @Override public Class<? extends Annotation> annotationType() { return TcpTransportConfig.class; }
            @Override public String listenAddress() { return address; }
            @Override public int port() { return port; }
            @Override public int eventLoopThreads() { return threads; }
            @Override public int maxConnections() { return maxConnections; }
            @Override public int handshakeTimeoutSeconds() { return handshakeTimeoutSeconds; }
            @Override public int sendQueueBytes() { return sendQueueBytes; }
        };
    }
}
