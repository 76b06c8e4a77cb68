package io.portcullis.routing.tun;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A TUN device in memory: tests inject what "the kernel" sends and read what the engine wrote.
 * With offloads, injected frames must carry their virtio-net header; writes are recorded as the
 * packets given (no merging) and flushes are counted.
 */
final class InMemoryTunDevice implements TunDevice {

    final String name;
    final int queues;
    final int maxPacket;
    final boolean offloads;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicLong refused = new AtomicLong();
    final BlockingQueue<Object> fromKernel = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> toKernel = new LinkedBlockingQueue<>();
    volatile boolean woken;
    volatile IntSupplier writeQueues;
    volatile boolean closed;

    InMemoryTunDevice(String name, int queues, int maxPacket, boolean offloads) {
        this.name = name;
        this.queues = queues;
        this.maxPacket = maxPacket;
        this.offloads = offloads;
    }

    /** A packet for the engine to read. */
    void inject(byte[] packet) {
        fromKernel.add(packet);
    }

    /** Makes the next read fail as if the device went away. */
    void fail(String message) {
        fromKernel.add(new IOException(message));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int queues() {
        return queues;
    }

    @Override
    public boolean offloads() {
        return offloads;
    }

    @Override
    public int read(int queue, ByteBuffer[] packets) throws IOException {
        while (!woken) {
            Object next;
            try {
                next = fromKernel.poll(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            if (next instanceof IOException failure) {
                throw failure;
            }
            if (next != null) { // one packet per call keeps several reader queues simple
                byte[] packet = (byte[]) next;
                int n = Math.min(packet.length, packets[0].capacity()); // truncates, as the kernel does
                packets[0].clear().put(packet, 0, n).flip();
                return 1;
            }
        }
        return -1;
    }

    @Override
    public int readAvailable(int queue, ByteBuffer[] packets) throws IOException {
        if (woken) {
            return -1;
        }
        Object next = fromKernel.poll();
        if (next instanceof IOException failure) {
            throw failure;
        }
        if (next == null) {
            return 0;
        }
        byte[] packet = (byte[]) next;
        int n = Math.min(packet.length, packets[0].capacity());
        packets[0].clear().put(packet, 0, n).flip();
        return 1;
    }

    @Override
    public int descriptor(int queue) {
        return -1; // nothing for a poller to watch: the engine reads with threads of its own
    }

    @Override
    public void assignWriteQueues(IntSupplier queueOfCaller) {
        writeQueues = queueOfCaller;
    }

    @Override
    public boolean write(ByteBuffer packet) {
        if (woken) {
            packet.position(packet.limit());
            refused.incrementAndGet();
            return false;
        }
        byte[] copy = new byte[packet.remaining()];
        packet.get(copy);
        toKernel.add(copy);
        return true;
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    @Override
    public long refusedWrites() {
        return refused.get();
    }

    @Override
    public void wakeup() {
        woken = true;
    }

    @Override
    public void close() {
        woken = true;
        closed = true;
    }
}
