package io.portcullis.transport.udp;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.StampedLock;
import java.util.logging.Logger;

/**
 * A binding's listening socket as its sending threads use it, the event loops and threads outside
 * them (TUN readers) alike: they call sendmsg(2) on it straight away, with UDP GSO, instead of
 * handing each packet to Netty's channel writes. Also holds what the kernel taught us about UDP GSO
 * on this socket.
 */
final class DirectSendSocket {

    private static final Logger LOG = Logger.getLogger(DirectSendSocket.class.getName());

    /** Below this a refused segment size means GSO itself does not work here, not this size. */
    static final int MIN_SEGMENT_LIMIT = 512;

    // Keeps close() from freeing the descriptor while a send is under way: a reused number would
    // be another file. Sends share the read side, so they never wait for each other.
    private final StampedLock lock = new StampedLock();
    private int fd;
    private final TrafficCounters counters;
    private final String name;
    private final AtomicBoolean gsoRefusalLogged = new AtomicBoolean();
    // The largest packet that may be coalesced with others (UDP GSO); 0 sends one datagram per call.
    private volatile int segmentLimit;

    DirectSendSocket(int fd, boolean gso, TrafficCounters counters, String name) {
        this.fd = fd;
        this.segmentLimit = gso ? UdpSegmentSender.MAX_BYTES : 0;
        this.counters = counters;
        this.name = name;
    }

    int segmentLimit() {
        return segmentLimit;
    }

    TrafficCounters counters() {
        return counters;
    }

    /** sendmsg(2) with the header at {@code msghdr}; the bytes sent, or minus errno. */
    long sendmsg(long msghdr) {
        long stamp = lock.readLock();
        try {
            if (fd < 0) {
                return -SocketCalls.EBADF;
            }
            while (true) {
                long sent = SocketCalls.sendmsg(fd, msghdr, 0);
                if (sent >= 0) {
                    return sent;
                }
                int errno = SocketCalls.errno();
                if (errno != SocketCalls.EINTR) {
                    return -errno;
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The kernel refused a coalesced send with {@code errno}. True when the refusal is about GSO, so
     * that the caller should send the packets one by one; GSO is then narrowed or turned off here.
     */
    boolean gsoRefused(int errno, int segmentSize) {
        int narrowed;
        if (errno == SocketCalls.EINVAL) {
            // The segment does not fit the route's MTU (or the kernel dislikes its size): keep GSO
            // for smaller packets, which a full-size run on a 1500-byte path should not cost us.
            narrowed = segmentSize - 1 < MIN_SEGMENT_LIMIT ? 0 : segmentSize - 1;
        } else if (errno == SocketCalls.EIO || errno == SocketCalls.ENOPROTOOPT
                || errno == SocketCalls.EOPNOTSUPP) {
            narrowed = 0; // kernel or device without UDP GSO (or checksum offload for it)
        } else {
            return false;
        }
        synchronized (this) {
            segmentLimit = Math.min(segmentLimit, narrowed);
        }
        if (gsoRefusalLogged.compareAndSet(false, true)) {
            LOG.info(() -> "UDP GSO refused on " + name + " for " + segmentSize + "-byte datagrams: "
                    + SocketCalls.describe(errno) + "; " + (narrowed == 0
                    ? "sending one datagram per system call from now on"
                    : "coalescing only datagrams of at most " + narrowed + " bytes from now on"));
        }
        return true;
    }

    /** Waits for sends under way, then refuses all further ones. */
    void close() {
        long stamp = lock.writeLock();
        try {
            fd = -1;
        } finally {
            lock.unlockWrite(stamp);
        }
    }
}
