package io.portcullis.transport.udp;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The socket calls the transport makes itself, from libc, bound with JNA direct mapping (no
 * per-call reflection or boxing): sendmsg(2) and recvmmsg(2), and dup(2)/close(2) for the
 * descriptor a {@link DatagramReader} watches. Message headers are passed as the {@code long}
 * address of memory the caller owns, so a call allocates nothing. 64-bit Linux only: the struct
 * layouts in {@link UdpSegmentSender} and {@link DatagramReader} assume it.
 */
final class SocketCalls {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOL_UDP = 17;
    static final int UDP_SEGMENT = 103;
    static final int UDP_GRO = 104;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;

    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    static final int ENOPROTOOPT = 92;
    static final int EOPNOTSUPP = 95;
    static final int ENOBUFS = 105;

    static {
        if (!Platform.isLinux() || Native.POINTER_SIZE != 8) {
            throw new UnsupportedOperationException("the UDP socket calls need 64-bit Linux, not "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        Native.register(SocketCalls.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private SocketCalls() {
    }

    /** Loads the library now, so that a missing JNA shows at bind time and not on the first packet. */
    static void load() {
        // the static initializer does the work
    }

    static native long sendmsg(int fd, long msghdr, int flags);

    /** recvmmsg(2) without a timeout (the timeout pointer is NULL). */
    static native int recvmmsg(int fd, long mmsghdrs, int vlen, int flags, long timeout);

    static native int dup(int fd);

    static native int close(int fd);

    static native String strerror(int errno);

    /** errno of the last call on this thread (JNA keeps it per thread). */
    static int errno() {
        return Native.getLastError();
    }

    static String describe(int errno) {
        String text;
        try {
            text = strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = null;
        }
        return (text == null ? "error" : text) + " (errno " + errno + ")";
    }
}
