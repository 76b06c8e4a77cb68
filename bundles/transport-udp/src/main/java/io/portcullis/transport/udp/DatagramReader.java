package io.portcullis.transport.udp;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.portcullis.api.io.IoThreads;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads one of a binding's sockets on its event loop: recvmmsg(2) straight into native memory of its
 * own, each datagram handed to the binding as a view of that memory. It replaces Netty's datagram
 * read path, which made a getsockopt(2) before every recvmmsg and took each datagram through buffer
 * allocation and the channel pipeline. On an idle tunnel each packet finds those layers cold, so
 * fewer of them is lower latency; under load it is one system call in five fewer.
 * <p>
 * With UDP GRO the kernel may hand over several datagrams of one client as one buffer and tell
 * their size in a control message; they are handed on one by one again here.
 * <p>
 * A loop under load that keeps up pauses after a read (see {@link Pause}): without it, each wake-up
 * found a few datagrams, and each batch cost a wake-up, a TUN write and a wake-up of whoever reads
 * on the far side of that write.
 * <p>
 * It watches a duplicate of the socket's descriptor: epoll tells registrations apart by descriptor,
 * and the channel's own stays registered with Netty (never asked for reads), which still owns the
 * socket's options, its address and its closing. Confined to its loop, but for {@link #close()}.
 */
final class DatagramReader implements Runnable {

    private static final Logger LOG = Logger.getLogger(DatagramReader.class.getName());

    static final int DATAGRAMS_PER_CALL = 16;
    // Then back to the loop, so that its other sockets and the TUN queue get their turn; the watch
    // is level-triggered, so what is left is read on the loop's next turn.
    static final int CALLS_PER_WAKE_UP = 4;

    // struct mmsghdr of 64-bit Linux: msghdr (name 0, namelen 8, iov 16, iovlen 24, control 32,
    // controllen 40, flags 48), then msg_len 56, padded to 64. After the headers, per slot: an iovec,
    // room for a sockaddr_in6 (28 bytes), and for one cmsghdr with an int (CMSG_SPACE(4) = 24).
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int NAME = 32;
    private static final int CONTROL = 32;
    private static final int SLOT_HEADER_BYTES = MMSGHDR + IOVEC + NAME + CONTROL;
    private static final int IOVECS = DATAGRAMS_PER_CALL * MMSGHDR;
    private static final int NAMES = IOVECS + DATAGRAMS_PER_CALL * IOVEC;
    private static final int CONTROLS = NAMES + DATAGRAMS_PER_CALL * NAME;

    // Senders seen lately, so that a client's stream of packets does not build an address per datagram.
    private static final int SENDER_CACHE = 64;

    private final UdpBinding binding;
    private final String name;
    private final boolean gro;
    private final Pause pause;
    private final ByteBuffer headers = ByteBuffer.allocateDirect(DATAGRAMS_PER_CALL * SLOT_HEADER_BYTES)
            .order(ByteOrder.nativeOrder());
    private final long headersAddress = Pointer.nativeValue(Native.getDirectBufferPointer(headers));
    private final ByteBuffer[] slots = new ByteBuffer[DATAGRAMS_PER_CALL];
    private final long[] senderKeys = new long[SENDER_CACHE * 3];
    private final InetSocketAddress[] senders = new InetSocketAddress[SENDER_CACHE];
    private int fd;
    private IoThreads.Watch watch;
    private boolean failureLogged;

    /**
     * How a loop moderates its reads, as network cards moderate interrupts: after a read that took at
     * least {@code afterDatagrams} and emptied the socket, it waits {@code nanos} before reading again,
     * so that the next read takes a larger batch. A read that left datagrams behind never pauses (the
     * loop is behind already), nor does one of fewer datagrams (a lone packet is not delayed).
     */
    record Pause(long nanos, int afterDatagrams) {
        boolean after(int delivered, boolean drained) {
            return nanos > 0 && drained && delivered >= afterDatagrams;
        }

        @Override
        public String toString() {
            return nanos == 0 ? "off" : nanos / 1000 + " µs after " + afterDatagrams + " datagrams";
        }
    }

    private DatagramReader(UdpBinding binding, int fd, int slotBytes, boolean gro, Pause pause, String name) {
        this.binding = binding;
        this.fd = fd;
        this.gro = gro;
        this.pause = pause;
        this.name = name;
        ByteBuffer data = ByteBuffer.allocateDirect(DATAGRAMS_PER_CALL * slotBytes);
        long dataAddress = Pointer.nativeValue(Native.getDirectBufferPointer(data));
        for (int i = 0; i < DATAGRAMS_PER_CALL; i++) {
            slots[i] = data.slice(i * slotBytes, slotBytes);
            int header = i * MMSGHDR;
            headers.putLong(header, headersAddress + NAMES + (long) i * NAME);
            headers.putLong(header + 16, headersAddress + IOVECS + (long) i * IOVEC);
            headers.putLong(header + 24, 1);
            headers.putLong(header + 32, gro ? headersAddress + CONTROLS + (long) i * CONTROL : 0);
            headers.putLong(IOVECS + i * IOVEC, dataAddress + (long) i * slotBytes);
            headers.putLong(IOVECS + i * IOVEC + 8, slotBytes);
            rearm(i);
        }
    }

    /**
     * Starts reading the socket {@code socketFd} on event loop {@code index}; the first datagram may
     * reach the binding before this returns. The socket stays the caller's.
     */
    static DatagramReader start(UdpBinding binding, IoThreads loops, int index, int socketFd, int slotBytes,
                                boolean gro, Pause pause, String name) throws IOException {
        int fd = SocketCalls.dup(socketFd);
        if (fd < 0) {
            throw new IOException("cannot read " + name + ": dup of its descriptor failed: "
                    + SocketCalls.describe(SocketCalls.errno()));
        }
        DatagramReader reader = new DatagramReader(binding, fd, slotBytes, gro, pause, name);
        try {
            reader.watch = loops.watch(index, fd, reader);
        } catch (IOException | RuntimeException e) {
            SocketCalls.close(fd);
            throw e;
        }
        return reader;
    }

    /** The loop found the socket readable: reads a bounded batch and hands it on. */
    @Override
    public void run() {
        int delivered = 0;
        boolean drained = false;
        for (int call = 0; call < CALLS_PER_WAKE_UP && fd >= 0; call++) {
            int count = SocketCalls.recvmmsg(fd, headersAddress, DATAGRAMS_PER_CALL, SocketCalls.MSG_DONTWAIT, 0);
            if (count < 0) {
                int errno = SocketCalls.errno();
                if (errno == SocketCalls.EINTR) {
                    continue;
                }
                if (errno != SocketCalls.EAGAIN) {
                    failed(errno);
                }
                drained = true;
                break;
            }
            for (int i = 0; i < count; i++) {
                delivered += deliver(i);
                rearm(i);
            }
            if (count < DATAGRAMS_PER_CALL) {
                drained = true;
                break;
            }
        }
        if (delivered > 0) {
            binding.readDone();
        }
        if (pause.after(delivered, drained)) {
            LockSupport.parkNanos(pause.nanos()); // after readDone: nothing read is held back by it
        }
    }

    /** Hands on the datagram in slot {@code i} (several, if GRO coalesced them); how many. */
    private int deliver(int i) {
        int header = i * MMSGHDR;
        int length = headers.getInt(header + 56);
        InetSocketAddress sender = sender(NAMES + i * NAME);
        if (sender == null || (headers.getInt(header + 48) & SocketCalls.MSG_TRUNC) != 0) {
            binding.counters().dropped(1); // longer than any OpenVPN packet we accept, or no IP sender
            return 0;
        }
        ByteBuffer slot = slots[i];
        int segment = gro ? segmentSize(i) : 0;
        if (segment <= 0 || segment >= length) {
            slot.clear().limit(length);
            binding.deliver(sender, slot);
            return 1;
        }
        int datagrams = 0;
        for (int offset = 0; offset < length; offset += segment) {
            slot.clear().limit(Math.min(offset + segment, length)).position(offset);
            binding.deliver(sender, slot);
            datagrams++;
        }
        return datagrams;
    }

    /** The size of the datagrams coalesced in slot {@code i}, from its UDP_GRO control message; 0 without one. */
    private int segmentSize(int i) {
        long controlLength = headers.getLong(i * MMSGHDR + 40);
        int control = CONTROLS + i * CONTROL;
        // cmsghdr: len 0 (8 bytes), level 8, type 12, data 16
        if (controlLength >= 20 && headers.getInt(control + 8) == SocketCalls.SOL_UDP
                && headers.getInt(control + 12) == SocketCalls.UDP_GRO) {
            return headers.getInt(control + 16);
        }
        return 0;
    }

    /** Value-result fields the kernel overwrote: room again for the next call. */
    private void rearm(int i) {
        int header = i * MMSGHDR;
        headers.putInt(header + 8, NAME);
        headers.putLong(header + 40, gro ? CONTROL : 0);
    }

    /** The sender at {@code at} (a sockaddr), from the cache when it was seen lately; null if not IP. */
    private InetSocketAddress sender(int at) {
        int family = headers.getShort(at) & 0xffff;
        int port = (headers.get(at + 2) & 0xff) << 8 | headers.get(at + 3) & 0xff;
        long high;
        long low;
        long rest;
        if (family == SocketCalls.AF_INET) {
            high = 0;
            low = headers.getInt(at + 4) & 0xffffffffL;
            rest = port;
        } else if (family == SocketCalls.AF_INET6) {
            high = headers.getLong(at + 8);
            low = headers.getLong(at + 16);
            rest = port | (headers.getInt(at + 24) & 0xffffffffL) << 16 | 1L << 62;
        } else {
            return null;
        }
        long hash = (high * 31 + low) * 31 + rest;
        int slot = (int) (hash ^ hash >>> 17) & (SENDER_CACHE - 1);
        int key = slot * 3;
        InetSocketAddress cached = senders[slot];
        if (cached != null && senderKeys[key] == high && senderKeys[key + 1] == low && senderKeys[key + 2] == rest) {
            return cached;
        }
        InetSocketAddress fresh = new InetSocketAddress(address(at, family), port);
        senders[slot] = fresh;
        senderKeys[key] = high;
        senderKeys[key + 1] = low;
        senderKeys[key + 2] = rest;
        return fresh;
    }

    private InetAddress address(int at, int family) {
        byte[] raw = new byte[family == SocketCalls.AF_INET ? 4 : 16];
        headers.get(family == SocketCalls.AF_INET ? at + 4 : at + 8, raw);
        try {
            int scope = family == SocketCalls.AF_INET6 ? headers.getInt(at + 24) : 0;
            // An IPv4 client of a dual-stack socket comes as ::ffff:a.b.c.d, which getByAddress makes
            // an Inet4Address again, as Netty did: the sessions know it by that and are sent to it so.
            return scope != 0 ? Inet6Address.getByAddress(null, raw, scope) : InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + raw.length + " bytes was refused", e);
        }
    }

    /** An error the socket reported (the kernel clears it as it reports it): no datagram was lost to it. */
    private void failed(int errno) {
        if (!failureLogged) {
            failureLogged = true;
            LOG.log(Level.WARNING, () -> "reading " + name + " failed: " + SocketCalls.describe(errno)
                    + " (logged once per socket; reading goes on)");
        }
    }

    /**
     * Stops reading and closes the duplicate descriptor. On the reader's loop, or once that loop has
     * stopped: nothing else then reads it. Idempotent.
     */
    void close() {
        if (fd < 0) {
            return;
        }
        IoThreads.Watch w = watch;
        if (w != null) {
            w.close();
        }
        SocketCalls.close(fd);
        fd = -1;
    }

    @Override
    public String toString() {
        return "reader of " + name;
    }
}
