package io.portcullis.routing.tun;

import io.portcullis.api.endpoint.Route;
import io.portcullis.api.io.IoThreads;
import io.portcullis.api.net.IpNetwork;
import io.portcullis.api.routing.NetworkPacketReceiver;
import io.portcullis.api.routing.RoutingAttachment;
import io.portcullis.api.routing.RoutingSpec;
import io.portcullis.routing.tun.offload.PartialChecksum;
import io.portcullis.routing.tun.offload.TcpSegmenter;
import io.portcullis.routing.tun.offload.VirtioNetHeader;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One endpoint's TUN device in use: a reader per device queue that hands packets to the receiver,
 * {@link #send} that writes clients' packets to the device, and the endpoint's NAT table.
 * <p>
 * Readers: given the transport's {@link IoThreads}, queue {@code i} is watched by transport thread
 * {@code i}, and each transport thread writes to its own queue, so that the reply to a client's
 * packet is read by the thread that wrote the packet (the kernel sends a flow's replies to the
 * queue its packets came from) and no other thread is woken. Otherwise a thread of its own per queue.
 * With offloads, readers cut the kernel's TCP super-packets into segments and complete partial
 * checksums, and the device merges the segments each sending thread writes until it calls
 * {@link #flush}.
 * <p>
 * Data path: each reader owns its batch of direct buffers and its counters (published once per
 * batch); senders share nothing but {@link LongAdder}s. Control path (NAT updates, close) runs
 * on the engine's control thread, one change at a time.
 */
final class TunAttachment implements RoutingAttachment {

    private static final Logger LOG = Logger.getLogger(TunAttachment.class.getName());
    private static final int BATCH_BYTES = 1 << 20;
    private static final int MAX_BATCH = 32;

    private final TunRoutingEngine engine;
    private final RoutingSpec spec;
    private final TunDevice device;
    private final NetworkPacketReceiver receiver;
    private final PacketFilter filter;
    private final Optional<String> natTable;
    private final Optional<String> natOutInterface;
    private final int readBufferBytes;
    private final IoThreads ioThreads; // null: threads of our own read the queues
    private final Thread[] readers;
    private final IoThreads.Watch[] watches;
    private final QueueReader[] queueReaders;
    private final LongAdder packetsToNetwork = new LongAdder();
    private final LongAdder bytesToNetwork = new LongAdder();
    private final LongAdder malformedFromClients = new LongAdder();
    private final LongAdder outsideFromClients = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean receiverFailureLogged = new AtomicBoolean();
    private volatile List<IpNetwork> routedNetworks;
    // Host routes this attachment installed for routes with a target; changed on the control thread only.
    private final Map<IpNetwork, Route> hostRoutes = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param ioThreads transport threads to read the queues on, one per queue, or empty for threads
     *                  of our own
     */
    TunAttachment(TunRoutingEngine engine, RoutingSpec spec, TunDevice device, NetworkPacketReceiver receiver,
                  Optional<String> natTable, Optional<String> natOutInterface, int readBufferBytes,
                  Optional<IoThreads> ioThreads) {
        this.engine = engine;
        this.spec = spec;
        this.device = device;
        this.receiver = receiver;
        this.filter = new PacketFilter(spec.clientNetwork(), spec.clientNetworkIpv6());
        this.natTable = natTable;
        this.natOutInterface = natOutInterface;
        this.readBufferBytes = readBufferBytes;
        this.routedNetworks = spec.routedNetworks();
        this.ioThreads = ioThreads.orElse(null);
        int queues = device.queues();
        if (this.ioThreads != null && this.ioThreads.count() != queues) {
            throw new IllegalArgumentException(queues + " queue(s) for " + this.ioThreads.count() + " transport threads");
        }
        this.queueReaders = new QueueReader[queues];
        for (int q = 0; q < queues; q++) {
            queueReaders[q] = new QueueReader(q);
        }
        this.watches = new IoThreads.Watch[this.ioThreads == null ? 0 : queues];
        this.readers = new Thread[this.ioThreads == null ? queues : 0];
        for (int q = 0; q < readers.length; q++) {
            int queue = q;
            readers[q] = new Thread(() -> readLoop(queue), "portcullis-tun-" + device.name() + "-" + q);
            readers[q].setDaemon(true);
        }
    }

    /** Starts reading; on failure (a transport thread refused the watch) nothing is left reading. */
    void start() throws IOException {
        if (ioThreads != null) {
            IoThreads threads = ioThreads;
            device.assignWriteQueues(threads::currentIndex);
            try {
                for (int q = 0; q < watches.length; q++) {
                    int queue = q;
                    watches[q] = threads.watch(q, device.descriptor(q), () -> readReady(queue));
                }
            } catch (IOException | RuntimeException e) {
                closeWatches();
                throw e;
            }
            return;
        }
        for (Thread reader : readers) {
            reader.start();
        }
    }

    /** Whether transport threads read the device (rather than threads of its own). */
    boolean readsOnTransportThreads() {
        return ioThreads != null;
    }

    String endpointId() {
        return spec.endpointId();
    }

    Optional<String> natTable() {
        return natTable;
    }

    List<IpNetwork> routedNetworks() {
        return routedNetworks;
    }

    boolean isOpen() {
        return !closed.get();
    }

    @Override
    public String interfaceName() {
        return device.name();
    }

    // ---- data path: network -> clients

    /** A reader thread of our own: batch after batch until the device shuts down or fails. */
    private void readLoop(int queue) {
        QueueReader reader = queueReaders[queue];
        try {
            while (reader.batch(true)) {
                // the next batch
            }
        } catch (IOException | RuntimeException | Error e) {
            readFailed(e);
        } finally {
            reader.publish();
        }
    }

    /** A transport thread found queue {@code queue} readable: one batch, then back to its loop. */
    private void readReady(int queue) {
        try {
            queueReaders[queue].batch(false);
        } catch (IOException | RuntimeException e) {
            IoThreads.Watch watch = watches[queue];
            if (watch != null) {
                watch.close(); // a failed descriptor stays readable: stop the calls now, not at close
            }
            readFailed(e);
        }
    }

    private void readFailed(Throwable e) {
        if (closed.get()) {
            return;
        }
        if (e instanceof IOException) {
            LOG.severe(() -> "endpoint " + spec.endpointId() + ": " + e.getMessage() + "; closing its routing");
        } else {
            LOG.log(Level.SEVERE, "endpoint " + spec.endpointId() + ": the reader of " + device.name()
                    + " failed; closing its routing", e);
        }
        engine.closeLater(this);
    }

    /**
     * One queue's reading, by one thread at a time: its batch of direct buffers, frames cut into
     * packets, packets checked and handed to the receiver, and its counters, published once per batch.
     */
    private final class QueueReader {
        final int queue;
        final boolean frames = device.offloads();
        final ByteBuffer[] batch;
        final TcpSegmenter segmenter = new TcpSegmenter();
        long reads, packets, bytes, malformed, outside, failures;
        volatile long publishedReads, publishedPackets, publishedBytes, publishedMalformed, publishedOutside,
                publishedFailures;

        QueueReader(int queue) {
            this.queue = queue;
            int bufferBytes = frames ? VirtioNetHeader.MAX_FRAME : readBufferBytes;
            int batchSize = Math.max(1, Math.min(MAX_BATCH, BATCH_BYTES / bufferBytes));
            this.batch = new ByteBuffer[batchSize];
            for (int i = 0; i < batchSize; i++) {
                batch[i] = ByteBuffer.allocateDirect(bufferBytes);
            }
        }

        /**
         * Reads one batch (waiting for one when asked to) and hands it over.
         *
         * @return false once the device is shutting down
         */
        boolean batch(boolean wait) throws IOException {
            int count = wait ? device.read(queue, batch) : device.readAvailable(queue, batch);
            if (count <= 0) {
                return count == 0;
            }
            reads += count;
            for (int i = 0; i < count && !closed.get(); i++) {
                if (frames) {
                    frame(batch[i]);
                } else {
                    packet(batch[i], false, 0, 0);
                }
            }
            try {
                receiver.batchEnd(TunAttachment.this);
            } catch (RuntimeException e) {
                failures++;
                logReceiverFailure(e);
            }
            publish();
            return true;
        }

        /**
         * A frame from a device with offloads: a plain packet, perhaps with its checksum to complete,
         * or a TCP super-packet to cut into segments, handed over one after the other.
         */
        void frame(ByteBuffer frame) {
            int end = frame.limit();
            if (end < VirtioNetHeader.LENGTH) {
                malformed++;
                return;
            }
            int gsoType = VirtioNetHeader.gsoType(frame, 0);
            int csumStart = VirtioNetHeader.csumStart(frame, 0);
            if (gsoType == VirtioNetHeader.GSO_NONE) {
                boolean partial = (VirtioNetHeader.flags(frame, 0) & VirtioNetHeader.F_NEEDS_CSUM) != 0;
                frame.position(VirtioNetHeader.LENGTH);
                packet(frame, partial, csumStart, VirtioNetHeader.csumOffset(frame, 0));
                return;
            }
            if (!segmenter.begin(frame, VirtioNetHeader.LENGTH, end, gsoType, VirtioNetHeader.gsoSize(frame, 0),
                    csumStart)) {
                malformed++;
                return;
            }
            while (!closed.get() && segmenter.next()) {
                packet(frame, false, 0, 0);
            }
        }

        /** Checks one packet (and completes its checksum if it is partial), then hands it over. */
        void packet(ByteBuffer packet, boolean partialChecksum, int csumStart, int csumOffset) {
            int start = packet.position();
            int verdict = filter.fromNetwork(packet);
            if (verdict == PacketFilter.PASS && partialChecksum
                    && !PartialChecksum.complete(packet, start, packet.limit(), csumStart, csumOffset)) {
                verdict = PacketFilter.MALFORMED;
            }
            if (verdict == PacketFilter.MALFORMED) {
                malformed++;
            } else if (verdict == PacketFilter.OUTSIDE) {
                outside++;
            } else {
                int length = packet.remaining();
                try {
                    receiver.received(TunAttachment.this, packet);
                    packets++;
                    bytes += length;
                } catch (RuntimeException e) {
                    failures++;
                    logReceiverFailure(e);
                }
            }
        }

        void publish() {
            publishedReads = reads;
            publishedPackets = packets;
            publishedBytes = bytes;
            publishedMalformed = malformed;
            publishedOutside = outside;
            publishedFailures = failures;
        }
    }

    private void logReceiverFailure(RuntimeException e) {
        if (receiverFailureLogged.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "endpoint " + spec.endpointId() + ": the receiver threw on a packet from "
                    + device.name() + "; the packet was dropped (further failures are only counted)", e);
        }
    }

    // ---- data path: clients -> network

    @Override
    public void send(ByteBuffer ipPacket) {
        int limit = ipPacket.limit();
        int verdict = filter.fromClient(ipPacket);
        if (verdict != PacketFilter.PASS) {
            (verdict == PacketFilter.MALFORMED ? malformedFromClients : outsideFromClients).increment();
            ipPacket.limit(limit).position(limit);
            return;
        }
        int length = ipPacket.remaining();
        if (device.write(ipPacket)) { // refusals, now or of held packets later, the device counts
            packetsToNetwork.increment();
            bytesToNetwork.add(length);
        }
        ipPacket.limit(limit).position(limit);
    }

    /** Writes the TCP segments the device holds for this thread, merged where they could be. */
    @Override
    public void flush() {
        device.flush();
    }

    TunStatistics statistics() {
        long reads = 0, packets = 0, bytes = 0, malformed = malformedFromClients.sum(), failures = 0;
        long outside = outsideFromClients.sum();
        for (QueueReader r : queueReaders) {
            reads += r.publishedReads;
            packets += r.publishedPackets;
            bytes += r.publishedBytes;
            malformed += r.publishedMalformed;
            outside += r.publishedOutside;
            failures += r.publishedFailures;
        }
        return new TunStatistics(reads, packets, bytes, packetsToNetwork.sum(), bytesToNetwork.sum(), malformed,
                outside, failures, device.refusedWrites());
    }

    // ---- control path

    @Override
    public void updateRoutedNetworks(List<IpNetwork> networks) {
        List<IpNetwork> copy = List.copyOf(networks);
        if (closed.get()) {
            throw new IllegalStateException("the routing of endpoint " + spec.endpointId() + " on " + device.name()
                    + " is closed; attach again");
        }
        if (natTable.isEmpty()) {
            routedNetworks = copy;
            LOG.info(() -> "endpoint " + spec.endpointId() + ": routed networks now " + copy + " (no source NAT)");
            return;
        }
        try {
            engine.onControl(() -> {
                if (!closed.get()) {
                    engine.host().applyNftables(NatRuleset.replace(natTable.get(), spec.clientNetwork(), copy,
                            natOutInterface));
                    routedNetworks = copy;
                }
                return null;
            });
        } catch (IOException e) {
            throw new IllegalStateException("endpoint " + spec.endpointId() + ": could not update source NAT ("
                    + e.getMessage() + "); the previous rules stay in place", e);
        }
        LOG.info(() -> "endpoint " + spec.endpointId() + ": routed networks now " + copy + ", source NAT in table ip "
                + natTable.get() + " replaced");
    }

    /**
     * Installs host routes for the routes with an interface or next-hop target (removing the ones
     * no longer wanted), then updates the forwarded networks and NAT.
     */
    @Override
    public void updateRoutes(List<Route> routes) {
        Map<IpNetwork, Route> wanted = new LinkedHashMap<>();
        for (Route route : routes) {
            if (!route.target().equals(Route.LOCAL)) {
                wanted.put(route.destination(), route);
            }
        }
        try {
            engine.onControl(() -> {
                for (IpNetwork gone : List.copyOf(hostRoutes.keySet())) {
                    if (!wanted.containsKey(gone)) {
                        engine.host().deleteRoute(gone);
                        hostRoutes.remove(gone);
                    }
                }
                for (Route route : wanted.values()) {
                    if (!route.equals(hostRoutes.get(route.destination()))) {
                        Optional<InetAddress> via = route.nextHop();
                        engine.host().replaceRoute(route.destination(), via,
                                via.isPresent() ? Optional.empty() : Optional.of(route.target()));
                        hostRoutes.put(route.destination(), route);
                    }
                }
                return null;
            });
        } catch (IOException e) {
            throw new IllegalStateException("endpoint " + spec.endpointId() + ": could not install its routes ("
                    + e.getMessage() + ")", e);
        }
        updateRoutedNetworks(routes.stream().map(Route::destination).toList());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!hostRoutes.isEmpty()) {
            try {
                engine.onControl(() -> {
                    for (IpNetwork route : List.copyOf(hostRoutes.keySet())) {
                        engine.host().deleteRoute(route);
                        hostRoutes.remove(route);
                    }
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                LOG.warning(() -> "endpoint " + spec.endpointId() + ": could not remove its host routes " + hostRoutes.keySet()
                        + " (" + e.getMessage() + "); remove them with: ip route del <network> metric "
                        + HostNetwork.ROUTE_METRIC);
            }
        }
        device.wakeup();
        closeWatches(); // the transport threads are out of the device before it closes
        for (Thread reader : readers) {
            if (reader != Thread.currentThread() && reader.isAlive()) {
                try {
                    reader.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (reader.isAlive()) {
                    LOG.warning(() -> reader.getName() + " did not stop within 5 s (a receiver call blocks?)");
                }
            }
        }
        device.close();
        natTable.ifPresent(table -> {
            try {
                engine.onControl(() -> {
                    engine.host().applyNftables(NatRuleset.delete(table));
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                LOG.warning(() -> "endpoint " + spec.endpointId() + ": could not remove nftables table ip " + table
                        + " (" + e.getMessage() + "); remove it with: nft delete table ip " + table);
            }
        });
        engine.removed(this);
        LOG.info(() -> "endpoint " + spec.endpointId() + ": " + device.name() + " closed"
                + natTable.map(t -> " and table ip " + t + " removed").orElse("") + "; " + statistics());
        try {
            receiver.attachmentClosed(this);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "endpoint " + spec.endpointId() + ": the receiver failed on attachmentClosed", e);
        }
    }

    private void closeWatches() {
        for (int q = 0; q < watches.length; q++) {
            IoThreads.Watch watch = watches[q];
            if (watch != null) {
                try {
                    watch.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "endpoint " + spec.endpointId() + ": could not stop watching queue " + q
                            + " of " + device.name(), e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TUN routing of endpoint " + spec.endpointId() + " on " + device.name();
    }
}
