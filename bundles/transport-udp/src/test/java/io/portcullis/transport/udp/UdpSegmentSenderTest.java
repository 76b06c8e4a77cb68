package io.portcullis.transport.udp;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** What happens when the kernel refuses a coalesced send, on a real socket that makes it refuse. */
class UdpSegmentSenderTest {

    /** The socket calls the test needs to make a socket the kernel refuses UDP GSO on. */
    static final class TestSockets {
        static {
            Native.register(TestSockets.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native int socket(int domain, int type, int protocol);

        static native int setsockopt(int fd, int level, int name, long value, int length);

        static native int close(int fd);
    }

    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_NO_CHECK = 11; // no UDP checksums: the kernel refuses GSO with EINVAL

    private int fd = -1;

    @BeforeEach
    void openSocketWithoutChecksums() {
        fd = TestSockets.socket(SocketCalls.AF_INET, SOCK_DGRAM, 0);
        assertTrue(fd >= 0, "socket");
        try (Memory one = new Memory(4)) {
            one.setInt(0, 1);
            assertEquals(0, TestSockets.setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, Pointer.nativeValue(one), 4));
        }
    }

    @AfterEach
    void closeSocket() {
        if (fd >= 0) {
            TestSockets.close(fd);
        }
    }

    @Test
    void aRefusedRunIsSentOneByOneAndSmallerRunsStillCoalesce() throws Exception {
        TrafficCounters counters = new TrafficCounters();
        DirectSendSocket socket = new DirectSendSocket(fd, true, counters, "test");
        UdpSegmentSender sender = new UdpSegmentSender();
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            peer.setSoTimeout(5000);
            InetSocketAddress to = (InetSocketAddress) peer.getLocalSocketAddress();
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sent.add(send(sender, socket, to, i, 1200));
            }
            sender.flush();
            assertEquals(1199, socket.segmentLimit(), "GSO narrowed below the refused size");
            for (int i = 10; i < 15; i++) {
                sent.add(send(sender, socket, to, i, 1200)); // now one datagram per call
            }
            for (int i = 15; i < 20; i++) {
                sent.add(send(sender, socket, to, i, 600)); // refused again (SO_NO_CHECK), narrowed again
            }
            sender.flush();
            for (byte[] expected : sent) {
                DatagramPacket in = new DatagramPacket(new byte[65536], 65536);
                peer.receive(in);
                assertArrayEquals(expected, Arrays.copyOf(in.getData(), in.getLength()));
            }
        }
        var stats = counters.snapshot();
        assertEquals(20, stats.packetsSent());
        assertEquals(15 * 1200 + 5 * 600, stats.bytesSent());
        assertEquals(0, stats.dropped());
        assertEquals(599, socket.segmentLimit());
    }

    @Test
    void gsoTurnsOffForGoodWhenTheKernelOrDeviceCannotDoIt() {
        DirectSendSocket socket = new DirectSendSocket(fd, true, new TrafficCounters(), "test");
        assertTrue(socket.gsoRefused(SocketCalls.EIO, 1400));
        assertEquals(0, socket.segmentLimit());
        DirectSendSocket other = new DirectSendSocket(fd, true, new TrafficCounters(), "test");
        assertTrue(other.gsoRefused(SocketCalls.EINVAL, DirectSendSocket.MIN_SEGMENT_LIMIT));
        assertEquals(0, other.segmentLimit(), "refused even for small datagrams: GSO does not work here");
        assertFalse(new DirectSendSocket(fd, true, new TrafficCounters(), "test").gsoRefused(SocketCalls.EAGAIN, 1400),
                "a full buffer is not about GSO: the run is dropped");
    }

    @Test
    void aClosedSocketDropsAndCountsTheWholeRun() {
        TrafficCounters counters = new TrafficCounters();
        DirectSendSocket socket = new DirectSendSocket(fd, true, counters, "test");
        UdpSegmentSender sender = new UdpSegmentSender();
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", 9);
        for (int i = 0; i < 5; i++) {
            send(sender, socket, nobody, i, 1000);
        }
        socket.close();
        sender.flush();
        assertEquals(0, counters.snapshot().packetsSent());
        assertEquals(5, counters.snapshot().dropped());
    }

    private static byte[] send(UdpSegmentSender sender, DirectSendSocket socket, InetSocketAddress to, int seed, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i);
        }
        ByteBuffer packet = ByteBuffer.wrap(bytes);
        sender.send(socket, to, packet);
        assertFalse(packet.hasRemaining());
        return bytes;
    }
}
