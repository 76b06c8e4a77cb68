package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;
import io.portcullis.api.routing.NetworkPacketReceiver;
import io.portcullis.api.routing.RoutingAttachment;
import io.portcullis.api.routing.RoutingSpec;
import io.portcullis.routing.tun.offload.TcpPackets;
import io.portcullis.routing.tun.offload.VirtioNetHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.portcullis.routing.tun.Packets.ip;
import static io.portcullis.routing.tun.Packets.udp;
import static org.junit.jupiter.api.Assertions.*;

/** The engine with an in-memory device and a recording host: no privileges needed. */
class TunRoutingEngineTest {

    private final RecordingHostNetwork host = new RecordingHostNetwork();
    private final List<InMemoryTunDevice> devices = new CopyOnWriteArrayList<>();
    private final AtomicInteger deviceNumber = new AtomicInteger();
    private volatile IOException openFailure;
    private TunRoutingEngine engine;

    /** Whether the in-memory "kernel" grants offloads when asked (the real one may refuse them). */
    private volatile boolean kernelOffloads;
    private volatile Boolean offloadsAskedFor;
    private final TunDevice.Factory factory = (name, queues, maxPacket, offloads) -> {
        offloadsAskedFor = offloads;
        if (openFailure != null) {
            throw openFailure;
        }
        InMemoryTunDevice device = new InMemoryTunDevice(
                name.replace("%d", Integer.toString(deviceNumber.getAndIncrement())), queues, maxPacket,
                offloads && kernelOffloads);
        devices.add(device);
        return device;
    };

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.deactivate();
        }
    }

    private TunRoutingEngine engine(TunRoutingSettings settings) {
        engine = new TunRoutingEngine(settings, factory, host, null);
        return engine;
    }

    private TunRoutingEngine engine() {
        return engine(TestConfigs.settings("pcl", true, "", 1));
    }

    static RoutingSpec spec(String id, boolean nat, String... routed) {
        return new RoutingSpec(id, Optional.empty(), IpNetwork.parse("10.8.0.0/24"),
                Optional.of(IpNetwork.parse("fd00:8::/64")), 1400, nat,
                java.util.Arrays.stream(routed).map(IpNetwork::parse).toList());
    }

    static TunAttachment attach(TunRoutingEngine engine, RoutingSpec spec, NetworkPacketReceiver receiver)
            throws Exception {
        return (TunAttachment) engine.attach(spec, receiver).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static Throwable attachFailure(TunRoutingEngine engine, RoutingSpec spec) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> engine.attach(spec, collector()).toCompletableFuture().get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** Keeps a copy of every packet; tells when closed. */
    static final class Collector implements NetworkPacketReceiver {
        final BlockingQueue<byte[]> packets = new LinkedBlockingQueue<>();
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger closedCalls = new AtomicInteger();
        /** When set, packets are only counted: a receiver that allocates nothing. */
        volatile boolean countOnly;
        final java.util.concurrent.atomic.AtomicLong counted = new java.util.concurrent.atomic.AtomicLong();

        /** When set, packets go on to this device (a client's end of the tunnel) and are not kept. */
        volatile TunDevice forwardTo;

        @Override
        public void received(RoutingAttachment attachment, ByteBuffer ipPacket) {
            TunDevice forward = forwardTo;
            if (forward != null) {
                forward.write(ipPacket);
                return;
            }
            if (countOnly) {
                counted.incrementAndGet();
                return;
            }
            byte[] copy = new byte[ipPacket.remaining()];
            ipPacket.get(copy);
            if (new String(copy, StandardCharsets.ISO_8859_1).contains("boom")) {
                throw new IllegalStateException("receiver failure for the test");
            }
            packets.add(copy);
        }

        @Override
        public void attachmentClosed(RoutingAttachment attachment) {
            closedCalls.incrementAndGet();
            closed.countDown();
        }
    }

    /** Readers publish their counters once per batch, just after handing the packets over: wait for them. */
    static TunStatistics settled(TunAttachment attachment, java.util.function.Predicate<TunStatistics> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        TunStatistics stats = attachment.statistics();
        while (!done.test(stats) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            stats = attachment.statistics();
        }
        return stats;
    }

    static Collector collector() {
        return new Collector();
    }

    @Test
    void attachConfiguresTheDeviceForwardingAndNat() throws Exception {
        TunAttachment attachment = attach(engine(), spec("office-eu", true, "192.168.1.0/24", "2001:db8::/32",
                "10.0.0.0/8"), collector());
        assertEquals("pcl0", attachment.interfaceName());
        assertEquals("pcl%d".replace("%d", "0"), devices.get(0).name);
        assertEquals(1, devices.get(0).queues);
        assertEquals(1500, devices.get(0).maxPacket);
        assertEquals(List.of("configure pcl0 mtu 1400 10.8.0.1/24 fd00:8:0:0:0:0:0:1/64", "forwarding ipv4",
                "forwarding ipv6", "nft"), host.calls);
        String script = host.lastScript();
        String table = NatRuleset.tableName("office-eu");
        assertTrue(script.contains("table ip " + table + " {"), script);
        assertTrue(script.contains("ip saddr 10.8.0.0/24 ip daddr != 10.8.0.0/24 ip daddr { 10.0.0.0/8, 192.168.1.0/24 } counter masquerade"),
                script);
        assertEquals(Optional.of(table), attachment.natTable());
        assertEquals(List.of(attachment), engine.attachments());
    }

    @Test
    void packetsFlowBothWaysAndAreCounted() throws Exception {
        Collector receiver = collector();
        TunAttachment attachment = attach(engine(), spec("a", true, "192.168.1.0/24"), receiver);
        InMemoryTunDevice device = devices.get(0);

        byte[] toClient = udp(ip("192.168.1.10"), 53, ip("10.8.0.7"), 40000, "answer".getBytes());
        device.inject(toClient);
        assertArrayEquals(toClient, receiver.packets.poll(5, TimeUnit.SECONDS));

        byte[] toClient6 = udp(ip("2001:db8::1"), 53, ip("fd00:8::7"), 40000, "v6".getBytes());
        device.inject(toClient6);
        assertArrayEquals(toClient6, receiver.packets.poll(5, TimeUnit.SECONDS));

        byte[] fromClient = udp(ip("10.8.0.7"), 40000, ip("192.168.1.10"), 53, "query".getBytes());
        ByteBuffer direct = ByteBuffer.allocateDirect(fromClient.length + 8);
        direct.position(8);
        direct.put(fromClient).flip().position(8);
        attachment.send(direct);
        assertEquals(direct.limit(), direct.position(), "send consumes the packet");
        assertArrayEquals(fromClient, device.toKernel.poll(5, TimeUnit.SECONDS));

        TunStatistics stats = settled(attachment, s -> s.packetsFromNetwork() == 2);
        assertEquals(2, stats.packetsFromNetwork());
        assertEquals(toClient.length + toClient6.length, stats.bytesFromNetwork());
        assertEquals(1, stats.packetsToNetwork());
        assertEquals(fromClient.length, stats.bytesToNetwork());
        assertEquals(0, stats.malformed());
    }

    @Test
    void badPacketsAndReceiverFailuresAreDroppedAndCountedAndTheReaderGoesOn() throws Exception {
        Collector receiver = collector();
        TunAttachment attachment = attach(engine(), spec("a", true), receiver);
        InMemoryTunDevice device = devices.get(0);
        byte[] good = udp(ip("192.0.2.1"), 1, ip("10.8.0.2"), 2, "good".getBytes());
        device.inject(new byte[]{0x45, 0, 0});                                        // short
        byte[] truncated = good.clone();
        truncated[3] += 40;                                                           // total length beyond what was read
        device.inject(truncated);
        device.inject(udp(ip("192.0.2.1"), 1, ip("10.9.0.2"), 2, "elsewhere".getBytes())); // not a client
        device.inject(udp(ip("192.0.2.1"), 1, ip("10.8.0.2"), 2, "boom".getBytes()));      // receiver throws
        device.inject(new byte[3000]);                                                // larger than the buffer: truncated
        device.inject(good);
        assertArrayEquals(good, receiver.packets.poll(5, TimeUnit.SECONDS));
        assertNull(receiver.packets.poll(50, TimeUnit.MILLISECONDS));

        attachment.send(ByteBuffer.wrap(new byte[]{1, 2, 3}));
        attachment.send(ByteBuffer.wrap(udp(ip("10.9.9.9"), 1, ip("192.0.2.1"), 2, "spoofed".getBytes())));
        assertNull(device.toKernel.poll(50, TimeUnit.MILLISECONDS));

        TunStatistics stats = settled(attachment, s -> s.receiverFailures() == 1 && s.packetsFromNetwork() == 1);
        assertEquals(1, stats.packetsFromNetwork());
        assertEquals(4, stats.malformed(), stats.toString());
        assertEquals(2, stats.outsideClientNetwork(), stats.toString());
        assertEquals(1, stats.receiverFailures());
        assertTrue(attachment.isOpen());
    }

    @Test
    void everyReaderQueueIsRead() throws Exception {
        Collector receiver = collector();
        attach(engine(TestConfigs.settings("pcl", true, "", 3)), spec("a", false), receiver);
        InMemoryTunDevice device = devices.get(0);
        assertEquals(3, device.queues);
        for (int i = 0; i < 30; i++) {
            device.inject(udp(ip("192.0.2.1"), 1, ip("10.8.0.2"), 2, new byte[]{(byte) i}));
        }
        for (int i = 0; i < 30; i++) {
            assertNotNull(receiver.packets.poll(5, TimeUnit.SECONDS));
        }
        long readers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("portcullis-tun-pcl0-")).count();
        assertEquals(3, readers);
    }

    @Test
    void updateRoutedNetworksReplacesTheRulesAtomicallyOrKeepsTheOldOnes() throws Exception {
        TunAttachment attachment = attach(engine(), spec("a", true, "192.168.1.0/24"), collector());
        attachment.updateRoutedNetworks(List.of(IpNetwork.parse("172.16.0.0/12"), IpNetwork.parse("10.0.0.0/8")));
        String script = host.lastScript();
        assertTrue(script.startsWith("table ip portcullis_a\ndelete table ip portcullis_a\n"), script);
        assertTrue(script.contains("ip daddr { 10.0.0.0/8, 172.16.0.0/12 }"), script);
        assertFalse(script.contains("192.168.1.0"), script);

        host.failNft = "nft: Error: Could not process rule";
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> attachment.updateRoutedNetworks(
                List.of(IpNetwork.parse("192.0.2.0/24"), IpNetwork.parse("198.51.100.0/24"))));
        assertTrue(failure.getMessage().contains("Could not process rule"), failure.getMessage());
        assertTrue(failure.getMessage().contains("previous rules stay"), failure.getMessage());
        assertEquals(List.of(IpNetwork.parse("172.16.0.0/12"), IpNetwork.parse("10.0.0.0/8")), attachment.routedNetworks());
    }

    @Test
    void routesWithATargetBecomeHostRoutesThatFollowTheTableAndGoWithTheAttachment() throws Exception {
        TunAttachment attachment = attach(engine(), spec("a", false), collector());
        host.calls.clear();
        attachment.updateRoutes(List.of(io.portcullis.api.endpoint.Route.parse("10.1.0.0/16|local|LAN"),
                io.portcullis.api.endpoint.Route.parse("10.2.0.0/16|192.168.5.1|via the lab router"),
                io.portcullis.api.endpoint.Route.parse("10.3.0.0/16|eth1|")));
        assertEquals(List.of("route replace 10.2.0.0/16 via 192.168.5.1", "route replace 10.3.0.0/16 dev eth1"),
                host.calls);
        assertEquals(3, attachment.routedNetworks().size());
        host.calls.clear();
        attachment.updateRoutes(List.of(io.portcullis.api.endpoint.Route.parse("10.3.0.0/16|eth1|")));
        assertEquals(List.of("route del 10.2.0.0/16"), host.calls, "an unchanged route is left alone");
        host.calls.clear();
        attachment.close();
        assertEquals(List.of("route del 10.3.0.0/16"), host.calls);
    }

    @Test
    void withoutNatRoutedNetworksAreOnlyRecorded() throws Exception {
        TunAttachment attachment = attach(engine(), spec("a", false, "192.168.1.0/24"), collector());
        attachment.updateRoutedNetworks(List.of(IpNetwork.parse("172.16.0.0/12")));
        assertFalse(host.calls.contains("nft"), host.calls.toString());
        assertEquals(Optional.empty(), attachment.natTable());
    }

    @Test
    void sourceNatCanBeForbiddenByConfiguration() throws Exception {
        host.nftMissing = "nft not installed";
        TunAttachment attachment = attach(engine(TestConfigs.settings("pcl", false, "", 1)),
                spec("a", true, "192.168.1.0/24"), collector());
        assertEquals(Optional.empty(), attachment.natTable());
        assertFalse(host.calls.contains("nft"), host.calls.toString());
    }

    @Test
    void closeRemovesTheTableClosesTheDeviceAndTellsTheReceiverOnce() throws Exception {
        Collector receiver = collector();
        TunAttachment attachment = attach(engine(), spec("a", true, "192.168.1.0/24"), receiver);
        attachment.close();
        attachment.close();
        assertTrue(receiver.closed.await(5, TimeUnit.SECONDS));
        assertEquals(1, receiver.closedCalls.get());
        assertTrue(devices.get(0).closed);
        assertEquals(NatRuleset.delete("portcullis_a"), host.lastScript());
        assertFalse(attachment.isOpen());
        assertTrue(engine.attachments().isEmpty());
        assertThrows(IllegalStateException.class, () -> attachment.updateRoutedNetworks(List.of()));
        attachment.send(ByteBuffer.wrap(udp(ip("10.8.0.2"), 1, ip("192.168.1.1"), 2, "late".getBytes())));
        assertEquals(1, attachment.statistics().writeDrops());
        // the endpoint id is free again
        assertNotNull(attach(engine, spec("a", true), collector()));
    }

    @Test
    void withOffloadsTcpSuperPacketsReachTheReceiverAsSegmentsInOneBatch() throws Exception {
        kernelOffloads = true;
        Collector receiver = collector();
        TunAttachment attachment = attach(engine(), spec("a", true, "192.168.1.0/24"), receiver);
        InMemoryTunDevice device = devices.get(0);
        assertTrue(device.offloads);
        for (boolean v6 : new boolean[]{false, true}) {
            TcpPackets.Segment first = new TcpPackets.Segment();
            if (v6) {
                first.v6();
                first.source = ip("2001:db8::1").getAddress();
                first.destination = ip("fd00:8::7").getAddress();
            } else {
                first.source = ip("192.168.1.10").getAddress();
                first.destination = ip("10.8.0.7").getAddress();
            }
            byte[] payload = new byte[3 * 1000 + 1];
            new java.util.Random(3).nextBytes(payload);
            TcpPackets.Segment whole = first.copy();
            whole.payload = payload;
            whole.flags = TcpPackets.ACK | TcpPackets.PSH;
            byte[] superPacket = whole.build();
            int ip = v6 ? 40 : 20;
            device.inject(frame(VirtioNetHeader.F_NEEDS_CSUM, v6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4,
                    1000, ip, 16, superPacket));
            for (int i = 0; i < 4; i++) {
                TcpPackets.Segment expected = first.copy();
                expected.sequence = (first.sequence + 1000L * i) & 0xffffffffL;
                expected.id = (first.id + i) & 0xffff;
                expected.payload = java.util.Arrays.copyOfRange(payload, 1000 * i, Math.min(payload.length, 1000 * (i + 1)));
                expected.flags = TcpPackets.ACK | (i == 3 ? TcpPackets.PSH : 0);
                assertArrayEquals(expected.build(), receiver.packets.poll(5, TimeUnit.SECONDS), "segment " + i);
            }
        }
        TunStatistics stats = settled(attachment, s -> s.packetsFromNetwork() == 8);
        assertEquals(2, stats.readsFromNetwork());
        assertEquals(8, stats.packetsFromNetwork());
        attachment.flush();
        assertEquals(1, device.flushes.get(), "flush goes to the device, which holds what it merges");
    }

    @Test
    void withOffloadsPartialChecksumsAreCompletedAndBadFramesAreCountedNotFatal() throws Exception {
        kernelOffloads = true;
        Collector receiver = collector();
        TunAttachment attachment = attach(engine(), spec("a", true), receiver);
        InMemoryTunDevice device = devices.get(0);
        byte[] valid = udp(ip("192.0.2.1"), 53, ip("10.8.0.2"), 40000, "answer".getBytes());
        byte[] partial = valid.clone();
        long pseudo = TcpPackets.pseudo(ip("192.0.2.1").getAddress(), ip("10.8.0.2").getAddress(), valid.length - 20)
                - 6 + 17;
        int folded = ~TcpPackets.reference(new byte[0], 0, 0, pseudo) & 0xffff;
        partial[26] = (byte) (folded >>> 8);
        partial[27] = (byte) folded;
        device.inject(new byte[]{1, 0, 0});                                                          // shorter than a header
        device.inject(frame(0, VirtioNetHeader.GSO_UDP_L4, 100, 20, 6, valid));                      // not asked for
        device.inject(frame(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 20, valid.length, partial));        // offset outside
        device.inject(frame(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 1000, 20, 16, valid)); // UDP as TCP
        device.inject(frame(0, 0, 0, 0, 0, new byte[]{0x45, 0}));                                    // a short packet
        device.inject(frame(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 20, 6, partial));
        device.inject(frame(VirtioNetHeader.F_DATA_VALID, 0, 0, 0, 0, valid));
        assertArrayEquals(valid, receiver.packets.poll(5, TimeUnit.SECONDS), "checksum completed");
        assertArrayEquals(valid, receiver.packets.poll(5, TimeUnit.SECONDS), "taken as it is");
        TunStatistics stats = settled(attachment, s -> s.packetsFromNetwork() == 2);
        assertEquals(5, stats.malformed(), stats.toString());
        assertEquals(7, stats.readsFromNetwork());
        assertTrue(attachment.isOpen());
    }

    @Test
    void offloadsAreAskedForUnlessTurnedOff() throws Exception {
        attach(engine(), spec("a", false), collector());
        assertEquals(Boolean.TRUE, offloadsAskedFor);
        assertFalse(devices.get(0).offloads, "the in-memory kernel refused them: plain packets");
        engine.deactivate();
        engine(TunRoutingSettings.from(TestConfigs.config("pcl", true, "", 1, true, false, "ip", "nft")));
        attach(engine, spec("b", false), collector());
        assertEquals(Boolean.FALSE, offloadsAskedFor);
    }

    private static byte[] frame(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset, byte[] packet) {
        ByteBuffer frame = ByteBuffer.allocate(VirtioNetHeader.LENGTH + packet.length);
        VirtioNetHeader.write(frame, 0, flags, gsoType, 0, gsoSize, csumStart, csumOffset);
        frame.put(VirtioNetHeader.LENGTH, packet);
        return frame.array();
    }

    @Test
    void aReceiverMayCloseFromItsOwnCallback() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        NetworkPacketReceiver closing = new NetworkPacketReceiver() {
            @Override
            public void received(RoutingAttachment attachment, ByteBuffer ipPacket) {
                attachment.close();
            }

            @Override
            public void attachmentClosed(RoutingAttachment attachment) {
                closed.countDown();
            }
        };
        attach(engine(), spec("a", true), closing);
        devices.get(0).inject(udp(ip("192.0.2.1"), 1, ip("10.8.0.2"), 2, "bye".getBytes()));
        assertTrue(closed.await(5, TimeUnit.SECONDS));
        assertTrue(devices.get(0).closed);
        assertEquals(NatRuleset.delete("portcullis_a"), host.lastScript());
    }

    @Test
    void aDeviceThatGoesAwayClosesTheAttachment() throws Exception {
        Collector receiver = collector();
        TunAttachment attachment = attach(engine(), spec("a", true), receiver);
        devices.get(0).fail("TUN device pcl0 went away");
        assertTrue(receiver.closed.await(5, TimeUnit.SECONDS));
        assertFalse(attachment.isOpen());
        assertTrue(engine.attachments().isEmpty());
    }

    @Test
    void deactivateClosesEveryAttachmentTellsEachReceiverAndRefusesNewOnes() throws Exception {
        TunRoutingEngine engine = engine();
        Collector first = collector();
        Collector second = collector();
        attach(engine, spec("a", true), first);
        attach(engine, spec("b", false), second);
        assertEquals(List.of("pcl0", "pcl1"), devices.stream().map(d -> d.name).toList());
        engine.deactivate();
        assertTrue(first.closed.await(1, TimeUnit.SECONDS));
        assertTrue(second.closed.await(1, TimeUnit.SECONDS));
        assertTrue(devices.stream().allMatch(d -> d.closed));
        assertTrue(attachFailure(engine, spec("c", true)).getMessage().contains("stopping"));
        this.engine = null;
    }

    @Test
    void aSecondAttachOfTheSameEndpointIsRefused() throws Exception {
        attach(engine(), spec("a", true), collector());
        Throwable failure = attachFailure(engine, spec("a", true));
        assertTrue(failure.getMessage().contains("already attached on pcl0"), failure.getMessage());
    }

    @Test
    void deviceErrorsFailTheAttachWithTheirMessage() {
        engine();
        openFailure = new IOException("creating TUN device pcl%d needs CAP_NET_ADMIN: run Portcullis as root");
        Throwable failure = attachFailure(engine, spec("a", true));
        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().contains("CAP_NET_ADMIN"));
        assertFalse(host.calls.contains("nft"));
    }

    @Test
    void missingNftFailsBeforeAnyDeviceIsMade() {
        engine();
        host.nftMissing = "the nft command (nftables) was not found: install it or set sourceNat=false";
        Throwable failure = attachFailure(engine, spec("a", true));
        assertTrue(failure.getMessage().contains("sourceNat=false"), failure.getMessage());
        assertTrue(devices.isEmpty());
    }

    @Test
    void aFailedConfigurationRemovesTheDevice() {
        engine();
        host.failConfigure = "'ip -4 address add 10.8.0.1/24 dev pcl0' failed (exit 2): RTNETLINK answers: File exists";
        Throwable failure = attachFailure(engine, spec("a", true));
        assertTrue(failure.getMessage().contains("File exists"));
        assertTrue(devices.get(0).closed);
        assertTrue(engine.attachments().isEmpty());
    }

    @Test
    void aFailedNatSetupRemovesTheDeviceAndTheTable() {
        engine();
        host.failNft = "nft: Error: Could not process rule: No such file or directory";
        Throwable failure = attachFailure(engine, spec("a", true, "192.168.1.0/24"));
        assertTrue(failure.getMessage().contains("Could not process rule"));
        assertTrue(devices.get(0).closed);
        assertEquals(NatRuleset.delete("portcullis_a"), host.lastScript());
    }

    @Test
    void specsTheDeviceCannotServeAreRefused() {
        engine();
        Throwable tooSmall = attachFailure(engine, new RoutingSpec("a", Optional.empty(), IpNetwork.parse("10.8.0.0/31"),
                Optional.empty(), 1500, false, List.of()));
        assertTrue(tooSmall.getMessage().startsWith("clientNetwork 10.8.0.0/31 is too small"), tooSmall.getMessage());
        Throwable v6 = attachFailure(engine, new RoutingSpec("a", Optional.empty(), IpNetwork.parse("fd00::/64"),
                Optional.empty(), 1500, false, List.of()));
        assertTrue(v6.getMessage().contains("is not an IPv4 network"), v6.getMessage());
        Throwable name = attachFailure(engine, new RoutingSpec("a", Optional.of("bad name"),
                IpNetwork.parse("10.8.0.0/24"), Optional.empty(), 1500, false, List.of()));
        assertTrue(name.getMessage().contains("interface name 'bad name'"), name.getMessage());
        assertTrue(devices.isEmpty());
    }

    @Test
    void anExplicitInterfaceNameIsUsedAsIs() throws Exception {
        RoutingSpec spec = new RoutingSpec("a", Optional.of("vpn-office"), IpNetwork.parse("172.20.0.0/16"),
                Optional.empty(), 9000, false, List.of());
        TunAttachment attachment = attach(engine(), spec, collector());
        assertEquals("vpn-office", attachment.interfaceName());
        assertEquals(9000, devices.get(0).maxPacket);
        assertEquals(List.of("configure vpn-office mtu 9000 172.20.0.1/16", "forwarding ipv4"), host.calls);
    }

    @Test
    void firstHostAddresses() {
        assertEquals(ip("10.8.0.1"), TunRoutingEngine.firstHost(IpNetwork.parse("10.8.0.0/24"), true, "x"));
        assertEquals(ip("10.0.0.1"), TunRoutingEngine.firstHost(IpNetwork.parse("10.0.0.0/8"), true, "x"));
        assertEquals(ip("100.64.0.1"), TunRoutingEngine.firstHost(IpNetwork.parse("100.64.0.0/30"), true, "x"));
        assertEquals(ip("fd00::1"), TunRoutingEngine.firstHost(IpNetwork.parse("fd00::/64"), false, "x"));
    }
}
