package io.portcullis.transport.tcp;

import io.portcullis.api.net.IpNetwork;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The TCP transport's configuration after validation. Every refusal names the setting and says why,
 * so that an operator who mistyped a value in etc/io.portcullis.transport.tcp.cfg knows what to fix.
 */
record TcpTransportSettings(InetSocketAddress defaultAddress, int eventLoopThreads, int maxConnections,
                            int handshakeTimeoutSeconds, int sendQueueBytes) {

    static TcpTransportSettings from(TcpTransportConfig config) {
        InetAddress address = literalAddress("listenAddress", config.listenAddress());
        int port = config.port();
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " is not a TCP port (0-65535)");
        }
        int threads = config.eventLoopThreads();
        if (threads < 0 || threads > 256) {
            throw new IllegalArgumentException("eventLoopThreads: " + threads + " is outside 0-256 (0 means one per core)");
        }
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        int maxConnections = config.maxConnections();
        if (maxConnections < 1 || maxConnections > 1_000_000) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " is outside 1-1000000");
        }
        int timeout = config.handshakeTimeoutSeconds();
        if (timeout < 0 || timeout > 3600) {
            throw new IllegalArgumentException("handshakeTimeoutSeconds: " + timeout + " is outside 0-3600 (0 disables)");
        }
        int sendQueue = config.sendQueueBytes();
        if (sendQueue < 64 * 1024 || sendQueue > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("sendQueueBytes: " + sendQueue + " is outside 65536-67108864 bytes");
        }
        return new TcpTransportSettings(new InetSocketAddress(address, port), threads, maxConnections, timeout, sendQueue);
    }

    private static InetAddress literalAddress(String setting, String value) {
        try {
            return IpNetwork.parseAddress(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage());
        }
    }
}
