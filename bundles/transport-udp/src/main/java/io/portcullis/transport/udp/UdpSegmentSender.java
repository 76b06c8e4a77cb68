package io.portcullis.transport.udp;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One sending thread's UDP GSO batch. Consecutive packets to the same peer with the same length
 * (the last may be shorter, which ends the run) are copied side by side and go out with one
 * sendmsg(2) carrying a UDP_SEGMENT control message: the kernel cuts them into datagrams again, so
 * the socket layer, routing and netfilter run once per run instead of once per packet. Confined to
 * its thread; holds no binding between runs, so a closed binding is not kept alive by it.
 */
final class UdpSegmentSender {

    static final int MAX_SEGMENTS = 64;   // UDP_MAX_SEGMENTS of older kernels (newer allow 128)
    static final int MAX_BYTES = 65000;   // below the 65507-byte UDP payload limit, with room for headers

    // struct msghdr, iovec, cmsghdr and sockaddr_in6 of 64-bit Linux, side by side in one buffer.
    private static final int MSGHDR = 0;      // name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48
    private static final int IOVEC = 56;      // base 0, len 8
    private static final int CMSG = 72;       // len 0, level 8, type 12, data 16
    private static final int SOCKADDR = 96;   // family 0, port 2, then v4 address 4 or v6 flowinfo 4, address 8, scope 24
    private static final int HEADER_BYTES = 128;
    private static final int CMSG_LEN_U16 = 18;   // CMSG_LEN(sizeof(uint16_t)): the kernel checks it exactly
    private static final int CMSG_SPACE_U16 = 24;
    private static final int SOCKADDR_IN_BYTES = 16;
    private static final int SOCKADDR_IN6_BYTES = 28;

    private final ByteBuffer data = ByteBuffer.allocateDirect(MAX_BYTES);
    private final long dataAddress = Pointer.nativeValue(Native.getDirectBufferPointer(data));
    private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.nativeOrder());
    private final long headerAddress = Pointer.nativeValue(Native.getDirectBufferPointer(header));

    // The run being collected; segments == 0 when there is none.
    private DirectSendSocket socket;
    private InetSocketAddress peer;
    private int segmentSize;
    private int segments;
    private int bytes;
    private InetSocketAddress addressWritten; // whose sockaddr the header holds

    UdpSegmentSender() {
        header.putLong(MSGHDR + 16, headerAddress + IOVEC);
        header.putLong(MSGHDR + 24, 1);
        header.putLong(CMSG, CMSG_LEN_U16);
        header.putInt(CMSG + 8, SocketCalls.SOL_UDP);
        header.putInt(CMSG + 12, SocketCalls.UDP_SEGMENT);
    }

    /** Copies the packet (the caller's buffer is only valid during the call) into the run or sends it. */
    void send(DirectSendSocket to, InetSocketAddress peer, ByteBuffer packet) {
        int length = packet.remaining();
        if (segments > 0 && (to != socket || (peer != this.peer && !peer.equals(this.peer))
                || length > segmentSize || length == 0 || bytes + length > MAX_BYTES)) {
            flush();
        }
        if (length > MAX_BYTES) {
            to.counters().dropped(1); // longer than any datagram we could send
            packet.position(packet.limit());
            return;
        }
        data.put(bytes, packet, packet.position(), length);
        packet.position(packet.limit());
        if (segments == 0) {
            socket = to;
            this.peer = peer;
            segmentSize = length;
        }
        segments++;
        bytes += length;
        if (length < segmentSize || length == 0 || length > to.segmentLimit()
                || segments == MAX_SEGMENTS || bytes + segmentSize > MAX_BYTES) {
            flush(); // the run is over (short tail), cannot be coalesced, or is full
        }
    }

    /** Sends the run collected so far, if any. */
    void flush() {
        if (segments == 0) {
            return;
        }
        DirectSendSocket to = socket;
        int count = segments;
        try {
            writePeer(peer);
            long sent = transmit(to, 0, bytes, count > 1 ? segmentSize : 0);
            if (sent >= 0) {
                to.counters().sent(count, bytes);
            } else if (count > 1 && to.gsoRefused((int) -sent, segmentSize)) {
                sendOneByOne(to);
            } else {
                to.counters().dropped(count); // EAGAIN, ENOBUFS (buffers full), closed, unreachable...
            }
        } finally {
            socket = null;
            peer = null;
            segments = 0;
            bytes = 0;
        }
    }

    private void sendOneByOne(DirectSendSocket to) {
        for (int offset = 0; offset < bytes; offset += segmentSize) {
            int length = Math.min(segmentSize, bytes - offset);
            if (transmit(to, offset, length, 0) >= 0) {
                to.counters().sent(1, length);
            } else {
                to.counters().dropped(1);
            }
        }
    }

    /** One sendmsg of {@code length} bytes at {@code offset}; with UDP_SEGMENT when gsoSize is not 0. */
    private long transmit(DirectSendSocket to, int offset, int length, int gsoSize) {
        header.putLong(IOVEC, dataAddress + offset);
        header.putLong(IOVEC + 8, length);
        if (gsoSize > 0) {
            header.putShort(CMSG + 16, (short) gsoSize);
            header.putLong(MSGHDR + 32, headerAddress + CMSG);
            header.putLong(MSGHDR + 40, CMSG_SPACE_U16);
        } else {
            header.putLong(MSGHDR + 32, 0);
            header.putLong(MSGHDR + 40, 0);
        }
        return to.sendmsg(headerAddress);
    }

    private void writePeer(InetSocketAddress peer) {
        if (peer == addressWritten) {
            return;
        }
        InetAddress address = peer.getAddress();
        byte[] raw = address.getAddress();
        int port = peer.getPort();
        if (address instanceof Inet4Address) {
            // An IPv4 sockaddr also works on the dual-stack IPv6 sockets Netty opens.
            header.putShort(SOCKADDR, (short) SocketCalls.AF_INET);
            header.put(SOCKADDR + 2, (byte) (port >>> 8)).put(SOCKADDR + 3, (byte) port);
            header.put(SOCKADDR + 4, raw);
            header.putLong(SOCKADDR + 8, 0);
            header.putInt(MSGHDR + 8, SOCKADDR_IN_BYTES);
        } else {
            header.putShort(SOCKADDR, (short) SocketCalls.AF_INET6);
            header.put(SOCKADDR + 2, (byte) (port >>> 8)).put(SOCKADDR + 3, (byte) port);
            header.putInt(SOCKADDR + 4, 0);
            header.put(SOCKADDR + 8, raw);
            header.putInt(SOCKADDR + 24, ((Inet6Address) address).getScopeId());
            header.putInt(MSGHDR + 8, SOCKADDR_IN6_BYTES);
        }
        header.putLong(MSGHDR, headerAddress + SOCKADDR);
        addressWritten = peer;
    }
}
