package io.portcullis.routing.tun;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One TUN device as the engine sees it: IP packets in and out, in batches, with no framing.
 * The Linux implementation is {@link LinuxTunDevice}; tests put an in-memory device in its place.
 * <p>
 * Threading: each queue is read by one thread only; {@link #write} may be called from any thread.
 * Shutdown is two steps so that no thread is inside a system call on a descriptor being closed:
 * {@link #wakeup()} makes every read return -1, the owner waits for its readers to return, then
 * calls {@link #close()}.
 */
interface TunDevice extends AutoCloseable {

    /** The kernel's name for the device, e.g. {@code pcl0}. */
    String name();

    /** Number of queues, each meant for its own reader thread. */
    int queues();

    /**
     * Reads up to {@code packets.length} packets from one queue. Blocks until at least one packet
     * is there or the device is woken for shutdown. Packet {@code i} is left in {@code packets[i]}
     * between position 0 and its limit; the buffers must be direct and must be the same array on
     * every call for one queue (implementations may remember their addresses).
     *
     * @return the number of packets read, or -1 once the device is shutting down
     * @throws IOException when the device failed or went away; reading it again is pointless
     */
    int read(int queue, ByteBuffer[] packets) throws IOException;

    /**
     * Writes one IP packet, the bytes between position and limit, which are consumed. Never blocks.
     *
     * @return false when the packet was dropped (device closing, packet too large, kernel refused)
     */
    boolean write(ByteBuffer packet);

    /** Makes blocked and later reads return -1 and later writes return false. Idempotent. */
    void wakeup();

    /** Releases the device; the kernel deletes it. Call after every reader has returned. Idempotent. */
    @Override
    void close();

    /** Opens TUN devices; one per attachment. */
    interface Factory {

        /**
         * Creates a device.
         *
         * @param name  an exact name that must not exist yet, or a pattern ending in {@code %d}
         *              for the kernel to number
         * @param queues number of queues, 1 for a single-queue device
         * @param maxPacket size of the largest packet the device reads
         * @throws IOException with a message that says what failed and what to do
         */
        TunDevice open(String name, int queues, int maxPacket) throws IOException;
    }
}
