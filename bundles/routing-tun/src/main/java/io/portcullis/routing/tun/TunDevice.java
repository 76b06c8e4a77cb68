package io.portcullis.routing.tun;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.IntSupplier;

/**
 * One TUN device as the engine sees it: IP packets in and out, in batches, with no framing but, with
 * offloads, a virtio-net header in front of each packet read.
 * The Linux implementation is {@link LinuxTunDevice}; tests put an in-memory device in its place.
 * <p>
 * Threading: each queue is read by one thread at a time; {@link #write} may be called from any thread.
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
     * Whether the device was opened with offloads: every frame {@link #read} returns then starts
     * with a {@link io.portcullis.routing.tun.offload.VirtioNetHeader} and may be a TCP super-packet
     * of up to 64 KiB or carry a partial checksum, and {@link #write} may hold packets until
     * {@link #flush}. False also when offloads were asked for but the kernel refused them.
     */
    boolean offloads();

    /**
     * Reads up to {@code packets.length} frames from one queue: IP packets, each behind a virtio-net
     * header when the device has {@link #offloads}. Blocks until at least one frame is there or the
     * device is woken for shutdown. Frame {@code i} is left in {@code packets[i]} between position 0
     * and its limit (a frame larger than the buffer is cut short); the buffers must be direct and
     * must be the same array on every call for one queue (implementations may remember their addresses).
     *
     * @return the number of frames read, or -1 once the device is shutting down
     * @throws IOException when the device failed or went away; reading it again is pointless
     */
    int read(int queue, ByteBuffer[] packets) throws IOException;

    /**
     * As {@link #read}, but takes only what the queue holds now: never waits.
     *
     * @return the number of frames read, 0 when the queue is empty, or -1 once the device is shutting down
     * @throws IOException when the device failed or went away
     */
    int readAvailable(int queue, ByteBuffer[] packets) throws IOException;

    /** The file descriptor of a queue, for a poller to watch; -1 when the device has none. */
    int descriptor(int queue);

    /**
     * Makes each writing thread write to the queue {@code queueOfCaller} names for it (asked once,
     * at the thread's first write; a number outside {@code 0..queues()-1} means queue 0). The kernel
     * sends the replies of a flow to the queue its packets were written to, so the thread that
     * reads that queue gets them. Call before the first write; by default every write goes to queue 0.
     */
    void assignWriteQueues(IntSupplier queueOfCaller);

    /**
     * Writes one IP packet, the bytes between position and limit, which are consumed. Never blocks.
     * With offloads, a TCP segment may be held to go out with the next ones of its flow written by
     * the same thread; whatever is held goes out, in order, before any other packet of that thread
     * and at the latest at its next {@link #flush}.
     *
     * @return false when the packet was dropped at once (device closing, packet too large, kernel refused)
     */
    boolean write(ByteBuffer packet);

    /** Writes what {@link #write} holds for the calling thread. Never blocks. */
    void flush();

    /** Packets the device dropped since it was opened, including held ones dropped when they went out. */
    long refusedWrites();

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
         * @param maxPacket size of the largest packet the device reads (without offloads)
         * @param offloads ask for checksum and TCP segmentation offloads; see {@link TunDevice#offloads()}
         * @throws IOException with a message that says what failed and what to do
         */
        TunDevice open(String name, int queues, int maxPacket, boolean offloads) throws IOException;
    }
}
