package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;
import io.portcullis.api.routing.RoutingSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.portcullis.routing.tun.NetNs.check;
import static io.portcullis.routing.tun.NetNs.run;
import static io.portcullis.routing.tun.Packets.ip;
import static io.portcullis.routing.tun.Packets.parseUdp;
import static io.portcullis.routing.tun.Packets.udp;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real thing: JNA, /dev/net/tun, ip, nft and the kernel's routing and NAT, inside a network
 * namespace made for this run ({@code pcltest-<random>}), so nothing touches the host's interfaces,
 * rules or sysctls. The engine's control thread and the test's own sockets live in the namespace;
 * every address is from 100.64.0.0/10 and fd00::/8. The namespace, and with it every device and
 * table made in it, is removed at the end whatever happened.
 */
class TunIntegrationTest {

    private static final Logger ENGINE_LOG = Logger.getLogger("io.portcullis.routing.tun");
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static boolean FORWARDING_WAS_ON_AT_START;
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOG.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private static String ns;
    private static ExecutorService inNs;
    private static TunRoutingEngine engine;
    private static String hostForwarding;
    private static IpNetwork clients;
    private static IpNetwork clients6;
    private static IpNetwork upstreamNetwork;

    private TunRoutingEngineTest.Collector receiver;
    private TunAttachment attachment;
    private final List<Packets.Udp> seen = new java.util.ArrayList<>();

    @BeforeAll
    static void namespace() throws Exception {
        assumeTrue(isRoot(), "skipped: TUN devices, nftables and network namespaces need root (CI runs as root)");
        assumeTrue(Files.exists(Path.of(LinuxTunDevice.CLONE_DEVICE)),
                "skipped: " + LinuxTunDevice.CLONE_DEVICE + " is missing (modprobe tun, or --device /dev/net/tun)");
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        ns = "pcltest-" + HexFormat.of().formatHex(random);
        int second = 64 + (random[0] & 0x3f); // 100.64.0.0/10: shared address space, never routed here
        clients = IpNetwork.parse("100." + second + "." + (random[1] & 0xff) + ".0/24");
        upstreamNetwork = IpNetwork.parse("100." + second + "." + ((random[1] + 1) & 0xff) + ".0/24");
        clients6 = IpNetwork.parse("fd" + HexFormat.of().formatHex(random, 1, 4).substring(0, 2) + ":"
                + HexFormat.of().formatHex(random, 2, 4) + "::/64");
        hostForwarding = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
        check("ip", "netns", "add", ns);
        check("ip", "-n", ns, "link", "set", "lo", "up");
        FORWARDING_WAS_ON_AT_START = "1".equals(check("ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"));
        inNs = Executors.newSingleThreadExecutor(NetNs.threads(ns, "pcltest-ns"));
        ENGINE_LOG.addHandler(CAPTURE);
        engine = new TunRoutingEngine(TunRoutingSettings.from(TestConfigs.config("pclt", true, "", 2, true, "ip", "nft")),
                LinuxTunDevice.FACTORY, null, NetNs.threads(ns, "portcullis-tun-control"));
    }

    @AfterAll
    static void removeNamespace() throws Exception {
        try {
            if (engine != null) {
                engine.deactivate();
            }
            if (inNs != null) {
                inNs.shutdownNow();
                inNs.awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            ENGINE_LOG.removeHandler(CAPTURE);
            if (ns != null) {
                run("ip", "netns", "del", ns); // takes every device and table in it along
                assertFalse(check("ip", "netns", "list").contains(ns));
                assertEquals(hostForwarding, Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim(),
                        "the host's own ip_forward is untouched");
            }
        }
    }

    @BeforeEach
    void attach() throws Exception {
        receiver = new TunRoutingEngineTest.Collector();
        RoutingSpec spec = new RoutingSpec("it-" + ns, Optional.empty(), clients, Optional.of(clients6), 1400, true,
                List.of(upstreamNetwork));
        attachment = (TunAttachment) engine.attach(spec, receiver).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        if (attachment != null) {
            attachment.close();
        }
    }

    @Test
    void theDeviceIsConfiguredInTheNamespaceOnly() {
        String name = attachment.interfaceName();
        assertEquals("pclt0", name);
        String link = check("ip", "-n", ns, "-o", "link", "show", "dev", name);
        assertTrue(link.contains("mtu 1400"), link);
        assertTrue(link.contains(",UP"), link);
        String addresses = check("ip", "-n", ns, "-o", "address", "show", "dev", name);
        assertTrue(addresses.contains("inet " + TunRoutingEngine.firstHost(clients, true, "").getHostAddress() + "/24"),
                addresses);
        InetAddress own6 = TunRoutingEngine.firstHost(clients6, false, "");
        assertTrue(java.util.regex.Pattern.compile("inet6 ([0-9a-f:]+)/64").matcher(addresses).results()
                .map(m -> ip(m.group(1))).anyMatch(own6::equals), addresses);
        assertFalse(check("ip", "-o", "address", "show").contains(TunRoutingEngine.firstHost(clients, true, "")
                .getHostAddress() + "/24"), "nothing of this on the host");
        assertEquals("1", check("ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"));
        // A new namespace may inherit forwarding from the host (devconf_inherit_init_net): then there is
        // nothing to turn on and nothing to log.
        assertTrue(FORWARDING_WAS_ON_AT_START || LOG.stream().anyMatch(m -> m.contains("turned on IPv4 forwarding")),
                LOG.toString());
        String table = check("ip", "netns", "exec", ns, "nft", "list", "table", "ip", attachment.natTable().orElseThrow());
        assertTrue(table.contains("ip saddr " + clients + " ip daddr " + upstreamNetwork), table);
        assertTrue(table.contains("masquerade"), table);
        assertNotEquals(0, run("nft", "list", "table", "ip", attachment.natTable().get()).exit(),
                "the table is in the test namespace, not on the host");
    }

    @Test
    void packetsTheKernelRoutesToClientsReachTheReceiver() throws Exception {
        InetAddress client = host(clients, 2);
        InetAddress client6 = host(clients6, 2);
        inNamespace(() -> {
            try (DatagramSocket socket = new DatagramSocket()) {
                byte[] hello = "hello-over-tun".getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(hello, hello.length, new InetSocketAddress(client, 5555)));
                socket.send(new DatagramPacket(hello, hello.length, new InetSocketAddress(client6, 5556)));
            }
            return null;
        });
        Packets.Udp v4 = awaitUdp(5555);
        assertEquals(client, v4.destination());
        assertEquals(TunRoutingEngine.firstHost(clients, true, ""), v4.source());
        assertEquals("hello-over-tun", v4.text());
        Packets.Udp v6 = awaitUdp(5556);
        assertEquals(client6, v6.destination());
        assertEquals("hello-over-tun", v6.text());
        assertTrue(TunRoutingEngineTest.settled(attachment, s -> s.packetsFromNetwork() >= 2).packetsFromNetwork() >= 2);
    }

    @Test
    void packetsSentForAClientReachASocketOnTheHost() throws Exception {
        InetAddress own = TunRoutingEngine.firstHost(clients, true, "");
        InetAddress client = host(clients, 9);
        try (DatagramSocket sink = inNamespace(() -> new DatagramSocket(new InetSocketAddress(own, 0)))) {
            sink.setSoTimeout(5000);
            byte[] packet = udp(client, 40000, own, sink.getLocalPort(), "from-client".getBytes(StandardCharsets.UTF_8));
            attachment.send(ByteBuffer.wrap(packet));
            DatagramPacket got = new DatagramPacket(new byte[2000], 2000);
            sink.receive(got);
            assertEquals("from-client", new String(got.getData(), 0, got.getLength(), StandardCharsets.UTF_8));
            assertEquals(new InetSocketAddress(client, 40000), got.getSocketAddress());
        }
        assertEquals(1, attachment.statistics().packetsToNetwork());
    }

    @Test
    void theDataPathAllocatesNothingPerPacket() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        InetAddress own = TunRoutingEngine.firstHost(clients, true, "");
        InetAddress client = host(clients, 9);
        int packets = 20_000;
        receiver.countOnly = true;
        try (DatagramSocket sink = inNamespace(() -> new DatagramSocket(new InetSocketAddress(own, 0)))) {
            byte[] packet = udp(client, 40000, own, sink.getLocalPort(), new byte[1000]);
            ByteBuffer buffer = ByteBuffer.allocateDirect(packet.length).put(packet);
            for (int i = 0; i < 2_000; i++) { // warm up
                attachment.send(buffer.flip());
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            for (int i = 0; i < packets; i++) {
                attachment.send(buffer.flip());
            }
            long nanos = System.nanoTime() - start;
            long sendBytes = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.printf("send(): %d packets of %d bytes in %.1f ms (%.0f packets/s), %d bytes allocated%n",
                    packets, packet.length, nanos / 1e6, packets / (nanos / 1e9), sendBytes);
            assertTrue(sendBytes < 16_384, sendBytes + " bytes allocated by " + packets + " sends");
        }

        long[] readers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("portcullis-tun-" + attachment.interfaceName() + "-"))
                .mapToLong(Thread::getId).toArray();
        assertEquals(2, readers.length, "two queues, two readers");
        InetAddress target = host(clients, 3);
        byte[] payload = new byte[1000];
        sendPaced(target, payload, 2_000); // warm up
        long warm = TunRoutingEngineTest.settled(attachment, s -> receiver.counted.get() >= 2_000).packetsFromNetwork();
        long before = java.util.Arrays.stream(threads.getThreadAllocatedBytes(readers)).sum();
        long start = System.nanoTime();
        sendPaced(target, payload, packets);
        TunStatistics stats = TunRoutingEngineTest.settled(attachment, s -> s.packetsFromNetwork() >= warm + packets);
        long nanos = System.nanoTime() - start;
        long readBytes = java.util.Arrays.stream(threads.getThreadAllocatedBytes(readers)).sum() - before;
        System.out.printf("readers: %d of %d packets delivered in %.1f ms, %d bytes allocated%n",
                stats.packetsFromNetwork() - warm, packets, nanos / 1e6, readBytes);
        assertTrue(stats.packetsFromNetwork() - warm > packets * 0.99, stats.toString());
        assertTrue(readBytes < 16_384, readBytes + " bytes allocated by the readers");
    }

    @Test
    void trafficToARoutedNetworkLeavesMasqueraded() throws Exception {
        LinuxTunDevice upstream = inNamespace(() -> LinuxTunDevice.open("pcltu%d", 1, 1500, false));
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            InetAddress upstreamOwn = TunRoutingEngine.firstHost(upstreamNetwork, true, "");
            check("ip", "-n", ns, "address", "add", upstreamOwn.getHostAddress() + "/24", "dev", upstream.name());
            check("ip", "-n", ns, "link", "set", "dev", upstream.name(), "up");
            Future<Packets.Udp> forwarded = reader.submit(() -> {
                ByteBuffer[] batch = {ByteBuffer.allocateDirect(1500)};
                while (true) {
                    int n = upstream.read(0, batch);
                    if (n < 0) {
                        return null;
                    }
                    byte[] bytes = new byte[batch[0].remaining()];
                    batch[0].get(bytes);
                    Packets.Udp udp = parseUdp(bytes);
                    if (udp != null && udp.destinationPort() == 7777) {
                        return udp;
                    }
                }
            });
            InetAddress server = host(upstreamNetwork, 7);
            attachment.send(ByteBuffer.wrap(udp(host(clients, 2), 41000, server, 7777,
                    "through-nat".getBytes(StandardCharsets.UTF_8))));
            Packets.Udp out = forwarded.get(5, TimeUnit.SECONDS);
            assertEquals(server, out.destination());
            assertEquals(upstreamOwn, out.source(), "masqueraded to the outgoing interface's address");
            assertEquals("through-nat", out.text());
            String table = check("ip", "netns", "exec", ns, "nft", "list", "table", "ip", attachment.natTable().get());
            assertTrue(table.contains("counter packets 1 "), table);
        } finally {
            upstream.wakeup();
            reader.shutdown();
            assertTrue(reader.awaitTermination(5, TimeUnit.SECONDS));
            upstream.close();
        }
    }

    @Test
    void updatedRoutedNetworksReplaceTheRules() {
        attachment.updateRoutedNetworks(List.of(IpNetwork.parse("198.18.0.0/15"), upstreamNetwork,
                IpNetwork.parse("fd00:1::/64")));
        String table = check("ip", "netns", "exec", ns, "nft", "list", "table", "ip", attachment.natTable().get());
        assertTrue(table.contains("ip daddr { " + upstreamNetwork + ", 198.18.0.0/15 }"), table);
        assertFalse(table.contains("fd00"), table);
        assertEquals(1, check("ip", "netns", "exec", ns, "nft", "list", "tables").lines()
                .filter(l -> l.contains(NatRuleset.TABLE_PREFIX)).count());
    }

    @Test
    void aBusyInterfaceNameFailsTheAttachWithWhatToDo() {
        RoutingSpec taken = new RoutingSpec("other-" + ns, Optional.of(attachment.interfaceName()),
                IpNetwork.parse("100.127.255.0/24"), Optional.empty(), 1500, false, List.of());
        ExecutionException e = assertThrows(ExecutionException.class, () -> engine.attach(taken, receiver)
                .toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("interface name pclt0 is busy"), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().contains("ip link del pclt0"), e.getCause().getMessage());
        assertEquals(1, engine.attachments().size());
    }

    @Test
    void withoutCapNetAdminTheDeviceCannotBeMadeAndTheMessageSaysSo() throws Exception {
        ExecutorService unprivileged = Executors.newSingleThreadExecutor(NetNs.threads(ns, "pcltest-no-cap"));
        try {
            Future<?> attempt = unprivileged.submit(() -> {
                NetNs.dropNetAdmin(); // this thread only, and it ends with the test
                return LinuxTunDevice.open("pcltx%d", 1, 1500, true);
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> attempt.get(10, TimeUnit.SECONDS));
            assertInstanceOf(java.io.IOException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("needs CAP_NET_ADMIN: run Portcullis as root"),
                    e.getCause().getMessage());
        } finally {
            unprivileged.shutdownNow();
            assertTrue(unprivileged.awaitTermination(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeRemovesTheDeviceTheTableAndTheReaders() throws Exception {
        String name = attachment.interfaceName();
        String table = attachment.natTable().get();
        attachment.close();
        assertTrue(receiver.closed.await(5, TimeUnit.SECONDS));
        assertNotEquals(0, run("ip", "-n", ns, "link", "show", "dev", name).exit(), "device gone");
        assertFalse(check("ip", "netns", "exec", ns, "nft", "list", "tables").contains(table), "table gone");
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("portcullis-tun-" + name + "-")), "readers gone");
        attachment = null;
    }

    @Test
    void onTransportThreadsEachRepliesComeBackToTheThreadThatWroteTheFlow() throws Exception {
        attachment.close(); // its device holds the same client network: the replies would go there
        attachment = null;
        InetAddress own = TunRoutingEngine.firstHost(clients, true, "");
        try (PollingIoThreads threads = new PollingIoThreads(2)) {
            // Replies are recorded with the thread that read them.
            java.util.concurrent.BlockingQueue<String> replies = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.CountDownLatch attachmentClosed = new java.util.concurrent.CountDownLatch(1);
            io.portcullis.api.routing.NetworkPacketReceiver onThreads = new io.portcullis.api.routing.NetworkPacketReceiver() {
                @Override
                public void received(io.portcullis.api.routing.RoutingAttachment from, ByteBuffer ipPacket) {
                    byte[] copy = new byte[ipPacket.remaining()];
                    ipPacket.get(copy);
                    Packets.Udp udp = parseUdp(copy);
                    if (udp != null) {
                        replies.add(udp.text() + "@" + threads.currentIndex());
                    }
                }

                @Override
                public void attachmentClosed(io.portcullis.api.routing.RoutingAttachment attachment) {
                    attachmentClosed.countDown();
                }
            };
            RoutingSpec spec = new RoutingSpec("io-" + ns, Optional.empty(), clients, Optional.empty(), 1400, false,
                    List.of(upstreamNetwork));
            TunAttachment onIo = (TunAttachment) engine.attach(spec, onThreads, Optional.of(threads))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            try (DatagramSocket echo = inNamespace(() -> new DatagramSocket(new InetSocketAddress(own, 0)))) {
                assertTrue(onIo.readsOnTransportThreads());
                assertEquals(2, threads.activeWatches(), "one queue per transport thread");
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("portcullis-tun-" + onIo.interfaceName() + "-")),
                        "no reader threads of its own");
                Thread echoer = new Thread(() -> {
                    DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
                    try {
                        while (true) {
                            echo.receive(p);
                            echo.send(p); // back to the client it came from, through the device
                        }
                    } catch (IOException closed) {
                        // the test is over
                    }
                });
                echoer.setDaemon(true);
                echoer.start();
                // Several flows from each thread: every reply is read by the thread that wrote its flow.
                for (int round = 0; round < 8; round++) {
                    for (int index = 0; index < 2; index++) {
                        InetAddress client = host(clients, 10 + round);
                        String text = "flow-" + round + "-" + index;
                        byte[] packet = udp(client, 41000 + round * 2 + index, own, echo.getLocalPort(),
                                text.getBytes(StandardCharsets.UTF_8));
                        threads.execute(index, () -> {
                            onIo.send(ByteBuffer.wrap(packet));
                            onIo.flush();
                        });
                        String reply = replies.poll(5, TimeUnit.SECONDS);
                        assertEquals(text + "@" + index, reply, "the reply of a flow written on thread " + index);
                    }
                }
            } finally {
                onIo.close();
            }
            assertEquals(0, threads.activeWatches(), "close stops watching the device");
            assertTrue(attachmentClosed.await(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void offloadsAreTurnedOnOrLeftOffWhereTheKernelRefusesThem() throws Exception {
        LinuxTunDevice offloaded = inNamespace(() -> LinuxTunDevice.open("pcltg%d", 2, 1500, true));
        try {
            assertTrue(offloaded.offloads());
            assertEquals(10, offloaded.vnetHeaderSize(), "TUNSETVNETHDRSZ took");
        } finally {
            offloaded.wakeup();
            offloaded.close();
        }
        // An offload bit no kernel knows stands for a kernel that refuses TUNSETOFFLOAD.
        LinuxTunDevice plain = inNamespace(() -> LinuxTunDevice.open("pcltg%d", 1, 1500,
                LinuxTunDevice.TCP_OFFLOADS | 1 << 30));
        try {
            assertFalse(plain.offloads());
            assertEquals(0, plain.vnetHeaderSize());
            assertTrue(LOG.stream().anyMatch(m -> m.startsWith("TUN offloads are not available here (TUNSETOFFLOAD")),
                    LOG.toString());
            assertTrue(check("ip", "-n", ns, "-o", "link", "show", "dev", plain.name()).contains(plain.name()),
                    "made again, without offloads");
        } finally {
            plain.wakeup();
            plain.close();
        }
    }

    /**
     * A real TCP connection through the engine's device and a client's TUN device in a second
     * namespace, bridged the way the endpoint does it (receiver -> client device; client device ->
     * send, flush after each read batch): megabytes each way arrive intact, the kernel hands over
     * super-packets (fewer reads than packets), and merged writes reach it (fewer device receives
     * than packets written).
     */
    @Test
    void withOffloadsATcpTransferCrossesTheDeviceIntactBothWays() throws Exception {
        String clientNs = ns + "-c";
        check("ip", "netns", "add", clientNs);
        ExecutorService inClient = Executors.newSingleThreadExecutor(NetNs.threads(clientNs, "pcltest-client-ns"));
        LinuxTunDevice clientTun = null;
        Thread bridge = null;
        try {
            clientTun = inClient.submit(() -> LinuxTunDevice.open("pclc%d", 1, 1500, false)).get(10, TimeUnit.SECONDS);
            String dev = clientTun.name();
            InetAddress client = host(clients, 2);
            InetAddress client6 = host(clients6, 2);
            check("ip", "-n", clientNs, "link", "set", "lo", "up");
            check("ip", "-n", clientNs, "address", "add", client.getHostAddress() + "/24", "dev", dev);
            check("ip", "-n", clientNs, "address", "add", client6.getHostAddress() + "/64", "dev", dev, "nodad");
            check("ip", "-n", clientNs, "link", "set", "dev", dev, "mtu", "1400", "up");
            receiver.forwardTo = clientTun;
            LinuxTunDevice fromClient = clientTun;
            bridge = new Thread(() -> {
                ByteBuffer[] batch = new ByteBuffer[32];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = ByteBuffer.allocateDirect(1500);
                }
                try {
                    int n;
                    while ((n = fromClient.read(0, batch)) >= 0) {
                        for (int i = 0; i < n; i++) {
                            attachment.send(batch[i]);
                        }
                        attachment.flush(); // as the endpoint does after each transport read batch
                    }
                } catch (java.io.IOException e) {
                    LOG.add("bridge: " + e.getMessage());
                }
            }, "pcltest-bridge");
            bridge.setDaemon(true);
            bridge.start();

            transfer(inClient, TunRoutingEngine.firstHost(clients, true, ""), 8 << 20);
            transfer(inClient, TunRoutingEngine.firstHost(clients6, false, ""), 4 << 20);
        } finally {
            receiver.forwardTo = null;
            if (clientTun != null) {
                clientTun.wakeup();
            }
            if (bridge != null) {
                bridge.join(5000);
                assertFalse(bridge.isAlive(), "the bridge stopped");
            }
            if (clientTun != null) {
                clientTun.close();
            }
            inClient.shutdownNow();
            inClient.awaitTermination(5, TimeUnit.SECONDS);
            run("ip", "netns", "del", clientNs);
        }
    }

    /** Sends {@code bytes} from the server (in the engine's namespace) to the client and back. */
    private void transfer(ExecutorService inClient, InetAddress server, int bytes) throws Exception {
        byte[] down = new byte[bytes];
        byte[] up = new byte[bytes];
        new SecureRandom().nextBytes(down);
        new SecureRandom().nextBytes(up);
        TunStatistics before = attachment.statistics();
        long deviceReceivedBefore = deviceCounter("rx_packets");
        ExecutorService serverSide = Executors.newSingleThreadExecutor();
        try (java.net.ServerSocket listener = inNamespace(() -> new java.net.ServerSocket(0, 1, server))) {
            listener.setSoTimeout(20_000);
            Future<byte[]> served = serverSide.submit(() -> {
                try (java.net.Socket socket = listener.accept()) {
                    socket.setSoTimeout(20_000);
                    socket.getOutputStream().write(down);
                    socket.getOutputStream().flush();
                    return socket.getInputStream().readNBytes(bytes);
                }
            });
            byte[] received = inClient.submit(() -> {
                try (java.net.Socket socket = new java.net.Socket()) {
                    socket.connect(new InetSocketAddress(server, listener.getLocalPort()), 10_000);
                    socket.setSoTimeout(20_000);
                    byte[] got = socket.getInputStream().readNBytes(bytes);
                    socket.getOutputStream().write(up);
                    socket.getOutputStream().flush();
                    socket.shutdownOutput();
                    socket.getInputStream().read(); // until the server closes
                    return got;
                }
            }).get(60, TimeUnit.SECONDS);
            assertArrayEquals(down, received, "network -> client, through " + server.getHostAddress());
            assertArrayEquals(up, served.get(60, TimeUnit.SECONDS), "client -> network");
        } finally {
            serverSide.shutdownNow();
        }
        TunStatistics after = attachment.statistics();
        long reads = after.readsFromNetwork() - before.readsFromNetwork();
        long packetsDown = after.packetsFromNetwork() - before.packetsFromNetwork();
        long packetsUp = after.packetsToNetwork() - before.packetsToNetwork();
        long deviceReceived = deviceCounter("rx_packets") - deviceReceivedBefore;
        System.out.printf("%s: network -> client %d packets in %d reads; client -> network %d packets in %d writes; %s%n",
                server.getHostAddress(), packetsDown, reads, packetsUp, deviceReceived, after);
        assertEquals(0, after.malformed(), after.toString());
        assertEquals(0, after.writeDrops(), after.toString());
        assertTrue(reads < packetsDown, "TCP super-packets were read and cut: " + reads + " reads, " + packetsDown
                + " packets");
        assertTrue(deviceReceived < packetsUp, "segments were merged: the kernel received " + deviceReceived
                + " frames for " + packetsUp + " packets");
    }

    private long deviceCounter(String name) {
        return Long.parseLong(check("ip", "netns", "exec", ns, "cat",
                "/sys/class/net/" + attachment.interfaceName() + "/statistics/" + name));
    }

    /** Waits for a UDP packet to a port; the reader threads may hand packets over in any order. */
    private Packets.Udp awaitUdp(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Optional<Packets.Udp> seen = this.seen.stream().filter(u -> u.destinationPort() == port).findFirst();
            if (seen.isPresent()) {
                return seen.get();
            }
            byte[] packet = receiver.packets.poll(100, TimeUnit.MILLISECONDS);
            Packets.Udp udp = packet == null ? null : parseUdp(packet);
            if (udp != null) {
                this.seen.add(udp);
            }
        }
        return fail("no UDP packet for port " + port + " reached the receiver");
    }

    /** Sends UDP datagrams from inside the namespace, staying within the device queue (txqueuelen 500). */
    private void sendPaced(InetAddress target, byte[] payload, int packets) throws Exception {
        long counted = receiver.counted.get();
        inNamespace(() -> {
            try (DatagramSocket socket = new DatagramSocket()) {
                DatagramPacket datagram = new DatagramPacket(payload, payload.length, new InetSocketAddress(target, 6000));
                for (int i = 0; i < packets; i++) {
                    socket.send(datagram);
                    long deadline = System.nanoTime() + 100_000_000L;
                    while (i - (receiver.counted.get() - counted) > 256 && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                }
            }
            return null;
        });
    }

    private static <T> T inNamespace(Callable<T> work) throws Exception {
        try {
            return inNs.submit(work).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static InetAddress host(IpNetwork network, int n) throws Exception {
        byte[] bytes = network.address().getAddress();
        bytes[bytes.length - 1] = (byte) n;
        return InetAddress.getByAddress(bytes);
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        } catch (Exception e) {
            return false;
        }
    }
}
