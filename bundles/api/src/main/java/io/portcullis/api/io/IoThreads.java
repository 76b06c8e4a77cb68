package io.portcullis.api.io;

import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;

/**
 * The threads a transport reads its sockets on, lent to a routing engine that watches its own
 * descriptors on them too. A client's packet is then written to the network by the thread that
 * read it, and the reply, read on that same thread, needs no other thread woken: on a virtual
 * machine a cross-thread wake-up costs more than the packet's crypto. (The stock OpenVPN server
 * gets the same from its single loop; this keeps one loop per core.)
 * <p>
 * Threads are numbered {@code 0 .. count()-1}; a routing engine typically opens one device queue
 * per thread and writes each packet to the queue of the thread writing it.
 */
@ProviderType
public interface IoThreads {

    /** How many threads there are. */
    int count();

    /**
     * The number of the calling thread, or -1 when it is none of these.
     */
    int currentIndex();

    /**
     * Calls {@code onReadable} on thread {@code index} whenever {@code fd} has data to read
     * (level-triggered: again on the next turn of the loop while data remains, so a callback may
     * read a bounded batch and return). The descriptor stays the caller's; it must stay open
     * until the returned watch is closed.
     *
     * @param fd an open, non-blocking file descriptor
     * @return the watch; {@link Watch#close()} stops the calls
     * @throws IOException when the thread cannot watch the descriptor (it is shutting down, or the
     *                     kernel refused it)
     */
    Watch watch(int index, int fd, Runnable onReadable) throws IOException;

    /** A descriptor being watched. */
    interface Watch extends AutoCloseable {

        /**
         * Stops watching. Once this returns no call of the callback is running or will start,
         * unless it is called from the watching thread itself, from inside the callback.
         * Idempotent.
         */
        @Override
        void close();

        /** False once closed, or once the thread stopped (its transport went away). */
        boolean isActive();
    }
}
