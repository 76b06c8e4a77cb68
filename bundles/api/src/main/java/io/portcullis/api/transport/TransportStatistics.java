package io.portcullis.api.transport;

/**
 * Packet counters of one binding. {@code dropped} counts packets that were not delivered either
 * way: malformed frames, receiver failures, full send queues.
 */
public record TransportStatistics(long packetsReceived, long bytesReceived,
                                  long packetsSent, long bytesSent, long dropped) {
}
