package io.portcullis.transport.udp;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * sendmsg(2) from libc, bound with JNA direct mapping (no per-call reflection or boxing). The
 * message header is passed as the {@code long} address of memory the caller owns, so a send
 * allocates nothing. 64-bit Linux only: the struct layouts in {@link UdpSegmentSender} assume it.
 */
final class SendmsgLibrary {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOL_UDP = 17;
    static final int UDP_SEGMENT = 103;

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
            throw new UnsupportedOperationException("sendmsg with UDP GSO needs 64-bit Linux, not "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        Native.register(SendmsgLibrary.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private SendmsgLibrary() {
    }

    /** Loads the library now, so that a missing JNA shows at bind time and not on the first packet. */
    static void load() {
        // the static initializer does the work
    }

    static native long sendmsg(int fd, long msghdr, int flags);

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
