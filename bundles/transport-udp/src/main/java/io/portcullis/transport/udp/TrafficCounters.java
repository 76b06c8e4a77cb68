package io.portcullis.transport.udp;

import io.portcullis.api.transport.TransportStatistics;

import java.util.concurrent.atomic.LongAdder;

/** A binding's counters, summed over all its sockets and sending threads; one count per datagram. */
final class TrafficCounters {

    private final LongAdder packetsReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder packetsSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    void received(int bytes) {
        packetsReceived.increment();
        bytesReceived.add(bytes);
    }

    void sent(int datagrams, long bytes) {
        packetsSent.add(datagrams);
        bytesSent.add(bytes);
    }

    void dropped(int datagrams) {
        dropped.add(datagrams);
    }

    TransportStatistics snapshot() {
        return new TransportStatistics(packetsReceived.sum(), bytesReceived.sum(),
                packetsSent.sum(), bytesSent.sum(), dropped.sum());
    }
}
