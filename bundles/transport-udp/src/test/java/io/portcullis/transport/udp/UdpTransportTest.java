package io.portcullis.transport.udp;

import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.annotation.Annotation;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
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
        awaitSent(binding, 1);
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
                // One thread's packets to one peer keep their order, whatever buffer they came in.
                assertEquals("packet " + i, receiveText(client));
                assertEquals("heap " + i, receiveText(client));
            }
            assertEquals(100, binding.statistics().packetsSent());
            binding.close();
            direct.clear();
            direct.put((byte) 1).flip();
            binding.send(peer, direct);
            binding.flush();
            assertEquals(100, binding.statistics().packetsSent());
            assertEquals(1, binding.statistics().dropped());
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
        for (int micros : new int[] {-1, 1001}) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> new UdpTransport(config("127.0.0.1", 0, 1, true, false, micros, 4)))
                    .getMessage().startsWith("readPauseMicros: " + micros + " is outside 0-1000"));
        }
        for (int after : new int[] {0, 65}) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> new UdpTransport(config("127.0.0.1", 0, 1, true, false, 100, after)))
                    .getMessage().startsWith("readPauseAfter: " + after + " is outside 1-64"));
        }
    }

    /** The read pause: only after a read that took enough and emptied the socket, and never when off. */
    @Test
    void theReadPauseFollowsOnlyAReadThatTookEnoughAndEmptiedTheSocket() {
        DatagramReader.Pause pause = new DatagramReader.Pause(100_000, 4);
        assertTrue(pause.after(4, true));
        assertTrue(pause.after(64, true));
        assertFalse(pause.after(3, true), "a lone packet or a few are not followed by a pause");
        assertFalse(pause.after(64, false), "a loop that left datagrams behind must not fall further behind");
        assertFalse(new DatagramReader.Pause(0, 1).after(64, true), "0 µs is off");
        assertEquals("100 µs after 4 datagrams", pause.toString());
        assertEquals("off", new DatagramReader.Pause(0, 4).toString());
    }

    /** With the longest pause after every read, bursts and lone packets still all arrive, in order, and are answered. */
    @Test
    void withTheLongestReadPauseEveryPacketArrivesInOrderAndIsAnswered() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1, true, false, 1000, 1));
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> {
            byte[] copy = new byte[packet.remaining()];
            packet.duplicate().get(copy);
            received.add(copy);
            b.send(peer, packet);
        }).toCompletableFuture().get(5, TimeUnit.SECONDS);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            client.setReceiveBufferSize(1 << 20);
            for (int burst = 0; burst <= 5; burst++) {
                List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < (burst < 5 ? 100 : 1); i++) { // the last one a lone packet
                    byte[] out = payload(burst * 100 + i, burst < 5 ? 1300 : 80);
                    client.send(new DatagramPacket(out, out.length, binding.localAddress()));
                    sent.add(out);
                }
                assertReceivedInOrder(sent, received);
                byte[] echo = new byte[2048];
                for (int i = 0; i < sent.size(); i++) {
                    DatagramPacket reply = new DatagramPacket(echo, echo.length);
                    client.receive(reply);
                    assertArrayEquals(sent.get(i), Arrays.copyOf(echo, reply.getLength()), "burst " + burst + ", reply " + i);
                }
            }
        }
        assertEquals(501, binding.statistics().packetsReceived());
    }

    /** Issue 6: one socket per event loop; the kernel keeps each client on one of them. */
    @Test
    void severalSocketsShareThePortAndEachClientStaysOnOneThread() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 3));
        Map<InetSocketAddress, Set<Thread>> threadsByPeer = new ConcurrentHashMap<>();
        Map<InetSocketAddress, Set<Thread>> batchEndsByBinding = new ConcurrentHashMap<>();
        PacketReceiver echo = new PacketReceiver() {
            @Override
            public void received(TransportBinding b, InetSocketAddress peer, ByteBuffer packet) {
                threadsByPeer.computeIfAbsent(peer, p -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread());
                b.send(peer, packet);
            }

            @Override
            public void batchEnd(TransportBinding b) {
                batchEndsByBinding.computeIfAbsent(b.localAddress(), p -> ConcurrentHashMap.newKeySet())
                        .add(Thread.currentThread());
            }
        };
        TransportBinding binding = transport.bind(null, echo).toCompletableFuture().get(5, TimeUnit.SECONDS);
        int port = binding.localAddress().getPort();
        assertEquals(3, listeningSockets(port), "sockets on UDP port " + port);

        List<DatagramSocket> clients = new ArrayList<>();
        try {
            for (int c = 0; c < 40; c++) {
                DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                client.setSoTimeout(5000);
                clients.add(client);
                for (int i = 0; i < 5; i++) {
                    byte[] out = ("client " + c + " packet " + i).getBytes(StandardCharsets.US_ASCII);
                    client.send(new DatagramPacket(out, out.length, binding.localAddress()));
                }
            }
            for (int c = 0; c < 40; c++) {
                for (int i = 0; i < 5; i++) {
                    assertEquals("client " + c + " packet " + i, receiveText(clients.get(c)));
                }
            }
        } finally {
            clients.forEach(DatagramSocket::close);
        }
        assertEquals(40, threadsByPeer.size());
        threadsByPeer.forEach((peer, threads) -> assertEquals(1, threads.size(), peer + " arrived on " + threads));
        Set<Thread> used = new HashSet<>();
        threadsByPeer.values().forEach(used::addAll);
        assertTrue(used.size() > 1, "40 clients all hashed to one socket: " + used);
        assertTrue(batchEndsByBinding.get(binding.localAddress()).containsAll(used), "batchEnd on every reading thread");
        awaitSent(binding, 200);
        var stats = binding.statistics();
        assertEquals(200, stats.packetsReceived());
        assertEquals(200, stats.packetsSent());
        assertEquals(0, stats.dropped());

        binding.close();
        binding.close();
        assertFalse(binding.isOpen());
        assertEquals(0, listeningSockets(port), "every socket of the binding is closed");
    }

    @Test
    void oneEventLoopListensWithOneSocket() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        TransportBinding binding = transport.bind(null, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(1, listeningSockets(binding.localAddress().getPort()));
    }

    /** A TUN reader's batch: runs of same-size packets, a shorter last one, with UDP GSO on and off. */
    @ParameterizedTest(name = "gso={0}")
    @ValueSource(booleans = {true, false})
    void runsOfPacketsFromAnotherThreadArriveAsSeparateDatagramsInOrder(boolean gso) throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 2, gso, false));
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> { }).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            peer.setSoTimeout(5000);
            InetSocketAddress to = (InetSocketAddress) peer.getLocalSocketAddress();
            List<byte[]> sent = new ArrayList<>();
            ByteBuffer scratch = ByteBuffer.allocateDirect(2048);
            for (int i = 0; i < 10; i++) {
                sent.add(sendFrom(scratch, binding, to, payload(i, 1200)));
            }
            sent.add(sendFrom(scratch, binding, to, payload(10, 500)));
            // 70 equal packets: more than one sendmsg may carry (64 segments).
            for (int i = 11; i < 81; i++) {
                sent.add(sendFrom(scratch, binding, to, payload(i, 900)));
            }
            binding.flush();
            for (byte[] expected : sent) {
                assertArrayEquals(expected, receiveBytes(peer));
            }
        }
        var stats = binding.statistics();
        assertEquals(81, stats.packetsSent());
        assertEquals(10 * 1200 + 500 + 70 * 900, stats.bytesSent());
        assertEquals(0, stats.dropped());
    }

    @ParameterizedTest(name = "gso={0}")
    @ValueSource(booleans = {true, false})
    void runsInterleavedBetweenTwoPeersReachEachInOrder(boolean gso) throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 2, gso, false));
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> { }).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        try (DatagramSocket first = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket second = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            first.setSoTimeout(5000);
            second.setSoTimeout(5000);
            InetSocketAddress a = (InetSocketAddress) first.getLocalSocketAddress();
            InetSocketAddress b = (InetSocketAddress) second.getLocalSocketAddress();
            List<byte[]> toFirst = new ArrayList<>();
            List<byte[]> toSecond = new ArrayList<>();
            ByteBuffer heap = ByteBuffer.allocate(2048); // a heap buffer, as control packets come
            int n = 0;
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 3; i++) {
                    toFirst.add(sendFrom(heap, binding, a, payload(n++, 1300)));
                }
                for (int i = 0; i < 5; i++) {
                    toSecond.add(sendFrom(heap, binding, b, payload(n++, 1300)));
                }
                toSecond.add(sendFrom(heap, binding, b, payload(n++, 40)));
                toFirst.add(sendFrom(heap, binding, a, payload(n++, 1400))); // longer: a new run
            }
            binding.flush();
            for (byte[] expected : toFirst) {
                assertArrayEquals(expected, receiveBytes(first));
            }
            for (byte[] expected : toSecond) {
                assertArrayEquals(expected, receiveBytes(second));
            }
        }
        assertEquals(40, binding.statistics().packetsSent());
    }

    @Test
    void packetsWaitingForFlushWhenTheBindingClosesAreCountedAsDropped() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 2));
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> { }).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", 9);
        ByteBuffer scratch = ByteBuffer.allocateDirect(2048);
        for (int i = 0; i < 3; i++) {
            sendFrom(scratch, binding, nobody, payload(i, 1000));
        }
        binding.close();
        binding.flush();
        binding.send(nobody, ByteBuffer.wrap(payload(4, 1000)));
        binding.flush();
        var stats = binding.statistics();
        assertEquals(0, stats.packetsSent());
        assertEquals(4, stats.dropped());
    }

    /**
     * Closing a binding while a client floods it: the readers stop on their loops and their duplicate
     * descriptors go with them, so the port is free as soon as close() returns.
     */
    @Test
    void closingUnderTrafficFreesThePortAtOnce() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 2));
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> seen.incrementAndGet())
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        InetSocketAddress server = binding.localAddress();
        var flooding = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread flood = new Thread(() -> {
            try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                byte[] out = payload(7, 1200);
                while (flooding.get()) {
                    client.send(new DatagramPacket(out, out.length, server));
                }
            } catch (IOException e) {
                // the port went away under it: fine
            }
        });
        flood.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.get() < 1000 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(seen.get() >= 1000, "the flood reached the receiver");
            binding.close();
            assertFalse(binding.isOpen());
            try (DatagramSocket again = new DatagramSocket(server.getPort(), InetAddress.getLoopbackAddress())) {
                assertEquals(server.getPort(), again.getLocalPort());
            }
        } finally {
            flooding.set(false);
            flood.join(5000);
        }
        long afterClose = seen.get();
        Thread.sleep(50);
        assertEquals(afterClose, seen.get(), "nothing is handed on after close");
        assertTrue(transport.bindings().isEmpty());
    }

    /**
     * Bindings started together on several loops all start. (Were a bind finished on an event loop,
     * two loops could each wait for the other to register a socket, and both binds would fail.)
     */
    @Test
    void bindingsStartedTogetherAllStart() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 4));
        List<java.util.concurrent.CompletableFuture<TransportBinding>> binds = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            binds.add(transport.bind(null, echo()).toCompletableFuture());
        }
        for (var bind : binds) {
            TransportBinding binding = bind.get(20, TimeUnit.SECONDS);
            try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                client.setSoTimeout(5000);
                assertEquals("up", roundTrip(client, binding.localAddress(), "up"));
            }
        }
        assertEquals(40, transport.bindings().size());
    }

    /** A datagram longer than any OpenVPN packet the transport takes is dropped and counted; the next one arrives. */
    @Test
    void anOversizedDatagramIsDroppedAndCounted() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        TransportBinding binding = transport.bind(null, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            byte[] huge = payload(1, UdpTransport.MAX_DATAGRAM_BYTES + 1);
            client.send(new DatagramPacket(huge, huge.length, binding.localAddress()));
            assertEquals("after", roundTrip(client, binding.localAddress(), "after"));
        }
        var stats = binding.statistics();
        assertEquals(1, stats.dropped());
        assertEquals(1, stats.packetsReceived());
        assertTrue(binding.isOpen());
    }

    /** More clients than the reader remembers senders for: each reply still goes to its own client. */
    @Test
    void everyClientOfManyGetsItsOwnReplies() throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 2));
        TransportBinding binding = transport.bind(null, echo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        List<DatagramSocket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 150; i++) {
                DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                client.setSoTimeout(5000);
                clients.add(client);
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < clients.size(); i++) {
                    byte[] out = ("client " + i + " round " + round).getBytes(StandardCharsets.US_ASCII);
                    clients.get(i).send(new DatagramPacket(out, out.length, binding.localAddress()));
                }
                for (int i = 0; i < clients.size(); i++) {
                    assertEquals("client " + i + " round " + round, receiveText(clients.get(i)));
                }
            }
        } finally {
            clients.forEach(DatagramSocket::close);
        }
        assertEquals(450, binding.statistics().packetsReceived());
    }

    /** On a dual-stack socket an IPv4 client is known by its IPv4 address, an IPv6 one by its own. */
    @Test
    void aDualStackBindingKnowsIpv4AndIpv6ClientsByTheirOwnAddresses() throws Exception {
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        boolean ipv6;
        try (DatagramSocket probe = new DatagramSocket(0, ipv6Loopback)) {
            ipv6 = true;
        } catch (IOException e) {
            ipv6 = false;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6, "no IPv6 on the loopback here");
        transport = new UdpTransport(config("127.0.0.1", 0, 1));
        Set<InetAddress> senders = ConcurrentHashMap.newKeySet();
        TransportBinding binding = transport.bind(new InetSocketAddress("::", 0), (b, peer, packet) -> {
            senders.add(peer.getAddress());
            b.send(peer, packet);
        }).toCompletableFuture().get(5, TimeUnit.SECONDS);
        int port = binding.localAddress().getPort();
        try (DatagramSocket v4 = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
             DatagramSocket v6 = new DatagramSocket(0, ipv6Loopback)) {
            v4.setSoTimeout(5000);
            v6.setSoTimeout(5000);
            assertEquals("four", roundTrip(v4, new InetSocketAddress("127.0.0.1", port), "four"));
            assertEquals("six", roundTrip(v6, new InetSocketAddress(ipv6Loopback, port), "six"));
        }
        assertEquals(Set.of(InetAddress.getByName("127.0.0.1"), ipv6Loopback), senders);
        assertTrue(senders.stream().anyMatch(a -> a instanceof java.net.Inet4Address));
    }

    /** UDP GRO: a client's burst is handed over coalesced by the kernel and split again by the reader. */
    @ParameterizedTest(name = "gro={0}")
    @ValueSource(booleans = {true, false})
    void aBurstFromOneClientArrivesAsSeparatePackets(boolean gro) throws Exception {
        transport = new UdpTransport(config("127.0.0.1", 0, 2, true, gro));
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        TransportBinding binding = transport.bind(null, (b, peer, packet) -> {
            byte[] copy = new byte[packet.remaining()];
            packet.get(copy);
            received.add(copy);
        }).toCompletableFuture().get(5, TimeUnit.SECONDS);
        List<byte[]> sent = new ArrayList<>();
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 50; i++) {
                byte[] out = payload(i, 1200);
                client.send(new DatagramPacket(out, out.length, binding.localAddress()));
                sent.add(out);
            }
            assertReceivedInOrder(sent, received);
        }
        // A GSO sender on loopback hands a GRO socket the whole run as one buffer: the real coalesced case
        // (Netty 4.2.18's recvmmsg would have handed it over as one 12,500-byte packet).
        UdpTransport sender = new UdpTransport(config("127.0.0.1", 0, 1, true, false));
        try {
            TransportBinding from = sender.bind(null, (b, peer, packet) -> { }).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            ByteBuffer scratch = ByteBuffer.allocateDirect(2048);
            List<byte[]> run = new ArrayList<>();
            for (int i = 50; i < 60; i++) {
                run.add(sendFrom(scratch, from, binding.localAddress(), payload(i, 1200)));
            }
            run.add(sendFrom(scratch, from, binding.localAddress(), payload(60, 500)));
            from.flush();
            assertReceivedInOrder(run, received);
        } finally {
            sender.deactivate();
        }
        assertTrue(received.isEmpty());
        assertEquals(61, binding.statistics().packetsReceived());
    }

    /**
     * A loop counts a reply as sent once sendmsg returned, which may be just after the peer has it:
     * waits (at most 5 s) for the count before the test reads it.
     */
    private static void awaitSent(TransportBinding binding, long packets) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (binding.statistics().packetsSent() < packets && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    private static void assertReceivedInOrder(List<byte[]> sent, BlockingQueue<byte[]> received) throws Exception {
        for (int i = 0; i < sent.size(); i++) {
            byte[] packet = received.poll(5, TimeUnit.SECONDS);
            assertNotNull(packet, "packet " + i + " of " + sent.size());
            assertArrayEquals(sent.get(i), packet, "packet " + i);
        }
    }

    private static byte[] sendFrom(ByteBuffer scratch, TransportBinding binding, InetSocketAddress peer, byte[] bytes) {
        scratch.clear();
        scratch.put(bytes).flip();
        binding.send(peer, scratch);
        assertFalse(scratch.hasRemaining(), "send consumes the bytes");
        return bytes;
    }

    static byte[] payload(int seed, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i);
        }
        return bytes;
    }

    static byte[] receiveBytes(DatagramSocket socket) throws IOException {
        DatagramPacket in = new DatagramPacket(new byte[65536], 65536);
        socket.receive(in);
        return Arrays.copyOf(in.getData(), in.getLength());
    }

    private static String receiveText(DatagramSocket socket) throws Exception {
        return new String(receiveBytes(socket), StandardCharsets.US_ASCII);
    }

    /** UDP sockets bound to the port, as `ss -uln` shows them (IPv4 and dual-stack IPv6). */
    private static int listeningSockets(int port) throws Exception {
        String suffix = String.format(":%04X", port);
        int count = 0;
        for (String file : List.of("/proc/net/udp", "/proc/net/udp6")) {
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 1 && fields[1].endsWith(suffix)) {
                    count++;
                }
            }
        }
        return count;
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
        return config(address, port, threads, true, false);
    }

    /** As shipped, the read pause included. */
    static UdpTransportConfig config(String address, int port, int threads, boolean gso, boolean gro) {
        return config(address, port, threads, gso, gro, 100, 4);
    }

    static UdpTransportConfig config(String address, int port, int threads, boolean gso, boolean gro,
                                     int pauseMicros, int pauseAfter) {
        return new UdpTransportConfig() {
            @Override public Class<? extends Annotation> annotationType() { return UdpTransportConfig.class; }
            @Override public String listenAddress() { return address; }
            @Override public int port() { return port; }
            @Override public int eventLoopThreads() { return threads; }
            @Override public int receiveBufferBytes() { return 1 << 20; }
            @Override public int sendBufferBytes() { return 1 << 20; }
            @Override public boolean gso() { return gso; }
            @Override public boolean gro() { return gro; }
            @Override public int readPauseMicros() { return pauseMicros; }
            @Override public int readPauseAfter() { return pauseAfter; }
        };
    }
}
