package io.portcullis.transport.udp;

import io.portcullis.api.net.IpNetwork;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The UDP transport's configuration after validation. Every refusal names the setting and says why,
 * so that an operator who mistyped a value in etc/io.portcullis.transport.udp.cfg knows what to fix.
 */
record UdpTransportSettings(InetSocketAddress defaultAddress, int eventLoopThreads,
                            int receiveBufferBytes, int sendBufferBytes, boolean gso, boolean gro,
                            DatagramReader.Pause readPause) {

    static UdpTransportSettings from(UdpTransportConfig config) {
        InetAddress address = literalAddress("listenAddress", config.listenAddress());
        int port = config.port();
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " is not a UDP port (0-65535)");
        }
        int threads = config.eventLoopThreads();
        if (threads < 0 || threads > 256) {
            throw new IllegalArgumentException("eventLoopThreads: " + threads + " is outside 0-256 (0 means one per core)");
        }
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        return new UdpTransportSettings(new InetSocketAddress(address, port), threads,
                bufferSize("receiveBufferBytes", config.receiveBufferBytes()),
                bufferSize("sendBufferBytes", config.sendBufferBytes()), config.gso(), config.gro(),
                readPause(config.readPauseMicros(), config.readPauseAfter()));
    }

    private static DatagramReader.Pause readPause(int micros, int after) {
        if (micros < 0 || micros > 1000) {
            throw new IllegalArgumentException("readPauseMicros: " + micros + " is outside 0-1000 (0 turns the pause off)");
        }
        int most = DatagramReader.DATAGRAMS_PER_CALL * DatagramReader.CALLS_PER_WAKE_UP;
        if (after < 1 || after > most) {
            throw new IllegalArgumentException("readPauseAfter: " + after + " is outside 1-" + most
                    + " (datagrams one read takes at most)");
        }
        return new DatagramReader.Pause(micros * 1000L, after);
    }

    private static InetAddress literalAddress(String setting, String value) {
        try {
            return IpNetwork.parseAddress(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage());
        }
    }

    private static int bufferSize(String setting, int value) {
        if (value < 4096 || value > 256 * 1024 * 1024) {
            throw new IllegalArgumentException(setting + ": " + value + " is outside 4096-268435456 bytes");
        }
        return value;
    }
}
