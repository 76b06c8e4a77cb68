package io.portcullis.routing.tun;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.logging.Logger;

import io.portcullis.routing.tun.offload.TcpCoalescer;
import io.portcullis.routing.tun.offload.VirtioNetHeader;

/**
 * A Linux TUN device ({@code IFF_TUN | IFF_NO_PI}, optionally {@code IFF_MULTI_QUEUE}) driven through
 * JNA: one non-blocking descriptor per queue, and an eventfd that wakes the readers for shutdown.
 * <p>
 * With offloads it is also opened with {@code IFF_VNET_HDR}, a 10-byte virtio-net header
 * ({@code TUNSETVNETHDRSZ}) and {@code TUNSETOFFLOAD} checksum and TCP segmentation offload for IPv4
 * and IPv6: the kernel then hands over TCP super-packets of up to 64 KiB, checksums left partial,
 * and takes the same, so that one system call and one trip through the stack carry many segments.
 * Kernels (or sandboxes) that refuse any of that get a plain device, said once in the log.
 * <p>
 * Data path: a read drains up to a batch of frames with {@code read(2)} into the caller's direct
 * buffers and sleeps in {@code poll(2)} only when the queue is empty ({@link #readAvailable} never
 * sleeps: an outside poller watches the queue's descriptor). A write copies the packet into a direct
 * buffer owned by the calling thread and issues one {@code write(2)} on that thread's queue; with offloads that
 * buffer is the thread's {@link TcpCoalescer}, which holds TCP segments of one flow until the flow
 * breaks, 64 KiB are reached, or the thread calls {@link #flush()}. Neither allocates nor takes a
 * lock. Writers announce themselves in a per-thread flag (Dekker style) so that {@link #close()}
 * never closes a descriptor another thread is about to write to.
 */
final class LinuxTunDevice implements TunDevice {

    static final String CLONE_DEVICE = "/dev/net/tun";
    static final int MAX_PACKET = 65535;

    private static final Logger LOG = Logger.getLogger(LinuxTunDevice.class.getName());

    private static final long TUNSETIFF = 0x400454caL;       // _IOW('T', 202, int)
    private static final long TUNSETOFFLOAD = 0x400454d0L;   // _IOW('T', 208, unsigned int), by value
    private static final long TUNGETVNETHDRSZ = 0x800454d7L; // _IOR('T', 215, int)
    private static final long TUNSETVNETHDRSZ = 0x400454d8L; // _IOW('T', 216, int), by pointer
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_MULTI_QUEUE = 0x0100;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final short IFF_TUN_EXCL = (short) 0x8000;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;

    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    /** What the engine asks for: the kernel may then hand over partial checksums and TCP super-packets. */
    static final int TCP_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

    /** Opens real devices; the engine's default factory. */
    static final TunDevice.Factory FACTORY = LinuxTunDevice::open;
    private static final AtomicBoolean OFFLOADS_REFUSED_LOGGED = new AtomicBoolean();

    private final String name;
    private final int[] queueFds;
    private final int wakeFd;
    private final Memory wakeValue = new Memory(8);
    private final Memory[] pollSets;
    private final long[][] readAddresses;
    private final ByteBuffer[][] readArrays;
    private final ThreadLocal<Writer> writers = ThreadLocal.withInitial(this::newWriter);
    private volatile IntSupplier writeQueues = () -> 0;
    private final Set<Writer> allWriters = ConcurrentHashMap.newKeySet();
    private final boolean offloads;
    private final LongAdder refused = new LongAdder();
    private final AtomicBoolean refusalLogged = new AtomicBoolean();
    private volatile boolean closing;
    private boolean closed;

    private LinuxTunDevice(String name, int[] queueFds, int wakeFd, boolean offloads) {
        this.name = name;
        this.offloads = offloads;
        this.queueFds = queueFds;
        this.wakeFd = wakeFd;
        this.wakeValue.setLong(0, 1L);
        this.pollSets = new Memory[queueFds.length];
        this.readAddresses = new long[queueFds.length][];
        this.readArrays = new ByteBuffer[queueFds.length][];
        for (int q = 0; q < queueFds.length; q++) {
            Memory set = new Memory(16); // two struct pollfd {int fd; short events; short revents;}
            set.setInt(0, queueFds[q]);
            set.setShort(4, LibC.POLLIN);
            set.setInt(8, wakeFd);
            set.setShort(12, LibC.POLLIN);
            pollSets[q] = set;
        }
    }

    /**
     * Creates the device. The first queue is opened with {@code IFF_TUN_EXCL}, so an existing
     * interface of that name is never taken over; a {@code %d} pattern lets the kernel number it.
     * With offloads the kernel may refuse them; the device is then made again without.
     */
    static LinuxTunDevice open(String requested, int queues, int maxPacket, boolean offloads) throws IOException {
        return open(requested, queues, maxPacket, offloads ? TCP_OFFLOADS : 0);
    }

    /** As {@link #open(String, int, int, boolean)} with the {@code TUN_F_*} offloads to ask for (0: none). */
    static LinuxTunDevice open(String requested, int queues, int maxPacket, int offloadFlags) throws IOException {
        if (queues < 1) {
            throw new IllegalArgumentException("queues " + queues);
        }
        try {
            LibC.errno(); // loads JNA and binds libc now, so that a failure reads well
        } catch (LinkageError | RuntimeException e) {
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot use native calls through JNA (" + cause.getMessage()
                    + "); the TUN engine needs the JNA bundle (com.sun.jna) and 64-bit Linux", e);
        }
        if (offloadFlags != 0) {
            try {
                return openQueues(requested, queues, offloadFlags);
            } catch (OffloadsRefused e) {
                if (OFFLOADS_REFUSED_LOGGED.compareAndSet(false, true)) {
                    LOG.info(() -> "TUN offloads are not available here (" + e.getMessage() + "); devices run "
                            + "without them, one packet per system call (said once)");
                }
            }
        }
        return openQueues(requested, queues, 0);
    }

    private static LinuxTunDevice openQueues(String requested, int queues, int offloadFlags) throws IOException {
        int[] fds = new int[queues];
        int opened = 0;
        int wake = -1;
        String name = requested;
        try {
            for (int q = 0; q < queues; q++) {
                short flags = (short) (IFF_TUN | IFF_NO_PI | (queues > 1 ? IFF_MULTI_QUEUE : 0)
                        | (offloadFlags != 0 ? IFF_VNET_HDR : 0) | (q == 0 ? IFF_TUN_EXCL : 0));
                fds[q] = openQueue(name, flags);
                opened++;
                if (q == 0) {
                    name = attachedName(fds[0], name, flags);
                }
            }
            if (offloadFlags != 0) {
                setOffloads(fds[0], offloadFlags); // the header size and offloads belong to the device, not a queue
            }
            wake = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            if (wake < 0) {
                throw new IOException("cannot create an eventfd for TUN device " + name + ": "
                        + LibC.describe(LibC.errno()));
            }
            return new LinuxTunDevice(name, fds, wake, offloadFlags != 0);
        } catch (IOException | RuntimeException e) {
            for (int q = 0; q < opened; q++) {
                LibC.close(fds[q]); // the last queue closed deletes the device: a retry may take the name again
            }
            if (wake >= 0) {
                LibC.close(wake);
            }
            throw e;
        }
    }

    private static void setOffloads(int fd, int offloadFlags) throws OffloadsRefused {
        try (Memory size = new Memory(4)) {
            size.setInt(0, VirtioNetHeader.LENGTH);
            if (LibC.ioctl(fd, TUNSETVNETHDRSZ, Pointer.nativeValue(size)) < 0) {
                throw new OffloadsRefused("TUNSETVNETHDRSZ " + VirtioNetHeader.LENGTH + ": "
                        + LibC.describe(LibC.errno()));
            }
        }
        if (LibC.ioctl(fd, TUNSETOFFLOAD, offloadFlags) < 0) {
            throw new OffloadsRefused("TUNSETOFFLOAD 0x" + Integer.toHexString(offloadFlags) + ": "
                    + LibC.describe(LibC.errno()));
        }
    }

    private static int openQueue(String name, short flags) throws IOException {
        int fd = LibC.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            int errno = LibC.errno();
            throw new IOException(switch (errno) {
                case LibC.ENOENT, LibC.ENODEV, LibC.ENXIO -> CLONE_DEVICE + " is missing: load the tun module "
                        + "(modprobe tun), or give the container the device (--device /dev/net/tun)";
                case LibC.EACCES, LibC.EPERM -> "no permission to open " + CLONE_DEVICE + ": run Portcullis as root "
                        + "or with CAP_NET_ADMIN and access to the device";
                default -> "cannot open " + CLONE_DEVICE + ": " + LibC.describe(errno);
            });
        }
        try (Memory ifreq = new Memory(IFREQ_SIZE)) {
            ifreq.clear();
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length >= IFNAMSIZ) {
                throw new IOException("interface name '" + name + "' is longer than " + (IFNAMSIZ - 1) + " characters");
            }
            ifreq.write(0, bytes, 0, bytes.length);
            ifreq.setShort(IFNAMSIZ, flags);
            if (LibC.ioctl(fd, TUNSETIFF, Pointer.nativeValue(ifreq)) < 0) {
                int errno = LibC.errno();
                LibC.close(fd);
                if (errno == LibC.EINVAL && (flags & IFF_VNET_HDR) != 0) {
                    // perhaps IFF_VNET_HDR; a plain retry tells, and says what else is wrong if anything
                    throw new OffloadsRefused("TUNSETIFF with IFF_VNET_HDR: " + LibC.describe(errno));
                }
                throw new IOException(switch (errno) {
                    case LibC.EPERM, LibC.EACCES -> "creating TUN device " + name + " needs CAP_NET_ADMIN: run "
                            + "Portcullis as root, or grant it (AmbientCapabilities=CAP_NET_ADMIN in a systemd "
                            + "unit, --cap-add NET_ADMIN for a container)";
                    case LibC.EBUSY -> "interface name " + name + " is busy: another interface has it; choose "
                            + "another name for the endpoint, or remove the old one (ip link del " + name + ")";
                    case LibC.EINVAL -> "the kernel refused TUN device " + name + " (" + LibC.describe(errno)
                            + "): the name is invalid, or an interface of that name is not a matching TUN device";
                    default -> "cannot create TUN device " + name + ": " + LibC.describe(errno);
                });
            }
            return fd;
        }
    }

    /** The name the kernel gave (a {@code %d} pattern becomes e.g. pcl0). */
    private static String attachedName(int fd, String requested, short flags) {
        if (!requested.contains("%")) {
            return requested;
        }
        // TUNGETIFF = _IOR('T', 210, unsigned int)
        try (Memory ifreq = new Memory(IFREQ_SIZE)) {
            ifreq.clear();
            if (LibC.ioctl(fd, 0x800454d2L, Pointer.nativeValue(ifreq)) < 0) {
                throw new IllegalStateException("cannot read back the name of the TUN device made from " + requested
                        + ": " + LibC.describe(LibC.errno()));
            }
            return ifreq.getString(0, StandardCharsets.US_ASCII.name());
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int queues() {
        return queueFds.length;
    }

    @Override
    public int read(int queue, ByteBuffer[] packets) throws IOException {
        Memory pollSet = pollSets[queue];
        long pollAddress = Pointer.nativeValue(pollSet);
        while (true) {
            if (closing) {
                return -1;
            }
            int count = drain(queue, packets);
            if (count > 0) {
                return count;
            }
            int ready = LibC.poll(pollAddress, 2, -1);
            if (ready < 0) {
                int errno = LibC.errno();
                if (errno != LibC.EINTR) {
                    throw new IOException("waiting on TUN device " + name + " failed: " + LibC.describe(errno));
                }
                continue;
            }
            if (pollSet.getShort(14) != 0) {
                return -1; // woken for shutdown
            }
            short events = pollSet.getShort(6);
            if ((events & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0 && (events & LibC.POLLIN) == 0) {
                throw new IOException("TUN device " + name + " went away (poll events 0x"
                        + Integer.toHexString(events & 0xffff) + ")");
            }
        }
    }

    @Override
    public int readAvailable(int queue, ByteBuffer[] packets) throws IOException {
        return closing ? -1 : drain(queue, packets);
    }

    /** Reads frames until the batch is full or the queue is empty (EAGAIN). */
    private int drain(int queue, ByteBuffer[] packets) throws IOException {
        int fd = queueFds[queue];
        long[] addresses = addressesFor(queue, packets);
        int count = 0;
        while (count < packets.length) {
            ByteBuffer packet = packets[count];
            long n = LibC.read(fd, addresses[count], packet.capacity());
            if (n >= 0) {
                packet.clear().limit((int) n);
                count++;
                continue;
            }
            int errno = LibC.errno();
            if (errno == LibC.EAGAIN || errno == LibC.EINTR) {
                break;
            }
            throw new IOException("reading TUN device " + name + " failed: " + LibC.describe(errno));
        }
        return count;
    }

    @Override
    public int descriptor(int queue) {
        return queueFds[queue];
    }

    @Override
    public void assignWriteQueues(IntSupplier queueOfCaller) {
        this.writeQueues = queueOfCaller;
    }

    private long[] addressesFor(int queue, ByteBuffer[] packets) {
        if (readArrays[queue] != packets) { // once per queue: the caller reuses its array
            long[] addresses = new long[packets.length];
            for (int i = 0; i < packets.length; i++) {
                if (!packets[i].isDirect()) {
                    throw new IllegalArgumentException("TUN reads need direct buffers");
                }
                addresses[i] = Pointer.nativeValue(Native.getDirectBufferPointer(packets[i]));
            }
            readAddresses[queue] = addresses;
            readArrays[queue] = packets;
        }
        return readAddresses[queue];
    }

    @Override
    public boolean offloads() {
        return offloads;
    }

    /** The virtio-net header size the kernel uses for this device (0 without offloads). For tests. */
    int vnetHeaderSize() {
        if (!offloads) {
            return 0;
        }
        try (Memory size = new Memory(4)) {
            if (LibC.ioctl(queueFds[0], TUNGETVNETHDRSZ, Pointer.nativeValue(size)) < 0) {
                throw new IllegalStateException("TUNGETVNETHDRSZ: " + LibC.describe(LibC.errno()));
            }
            return size.getInt(0);
        }
    }

    @Override
    public boolean write(ByteBuffer packet) {
        Writer writer = writers.get();
        writer.busy = true;
        try {
            int length = packet.remaining();
            if (closing || length == 0 || length > MAX_PACKET) {
                packet.position(packet.limit());
                refused.increment();
                if (closing && writer.coalescer != null) {
                    refused.add(writer.coalescer.held());
                    writer.coalescer.reset();
                }
                return false;
            }
            if (!offloads) {
                writer.buffer.put(0, packet, packet.position(), length);
                packet.position(packet.limit());
                return writeFrame(writer, 1, length);
            }
            TcpCoalescer coalescer = writer.coalescer;
            if (coalescer.holding()) {
                if (coalescer.append(packet)) {
                    return true;
                }
                writeFrame(writer, coalescer.held(), coalescer.release()); // the flow broke: keep the order
            }
            if (writer.flushes && coalescer.hold(packet)) {
                return true;
            }
            VirtioNetHeader.clear(writer.buffer, 0);
            writer.buffer.put(VirtioNetHeader.LENGTH, packet, packet.position(), length);
            packet.position(packet.limit());
            return writeFrame(writer, 1, VirtioNetHeader.LENGTH + length);
        } finally {
            writer.busy = false;
        }
    }

    @Override
    public void flush() {
        if (!offloads) {
            return;
        }
        Writer writer = writers.get();
        // Only a thread that flushes may have packets held for it; one that never does (a transport
        // without read batches) writes each packet at once rather than strand the last of a burst.
        writer.flushes = true;
        TcpCoalescer coalescer = writer.coalescer;
        if (!coalescer.holding()) {
            return;
        }
        writer.busy = true;
        try {
            if (closing) {
                refused.add(coalescer.held());
                coalescer.reset();
                return;
            }
            writeFrame(writer, coalescer.held(), coalescer.release());
        } finally {
            writer.busy = false;
        }
    }

    /** Writes the first {@code length} bytes of the writer's buffer; counts its packets when refused. */
    private boolean writeFrame(Writer writer, int packets, int length) {
        long n = LibC.write(writer.fd, writer.address, length);
        if (n == length) {
            return true;
        }
        refused.add(packets);
        if (n < 0 && !closing && refusalLogged.compareAndSet(false, true)) {
            int errno = LibC.errno();
            LOG.warning(() -> "TUN device " + name + " refused a write of " + packets + " packet(s) in " + length
                    + " bytes: " + LibC.describe(errno) + " (further refusals are only counted)");
        }
        return false;
    }

    @Override
    public long refusedWrites() {
        return refused.sum();
    }

    private Writer newWriter() {
        int queue = writeQueues.getAsInt();
        Writer writer = new Writer(queueFds[queue >= 0 && queue < queueFds.length ? queue : 0], offloads);
        allWriters.add(writer);
        return writer;
    }

    @Override
    public void wakeup() {
        closing = true;
        synchronized (this) {
            if (!closed) {
                LibC.write(wakeFd, Pointer.nativeValue(wakeValue), 8);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        wakeup();
        awaitWriters();
        closed = true;
        for (int fd : queueFds) {
            LibC.close(fd); // the last queue closed deletes the (non-persistent) device
        }
        LibC.close(wakeFd);
        allWriters.clear();
    }

    /** Waits until no thread is between its closing check and its write(2). */
    private void awaitWriters() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (Writer writer : allWriters) {
            while (writer.busy) {
                if (System.nanoTime() > deadline) {
                    LOG.warning(() -> "a writer to TUN device " + name + " did not finish within 2 s; closing anyway");
                    return;
                }
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Per writing thread: a direct buffer for the frame (virtio-net header and packet, or the packet
     * alone without offloads), the coalescer that fills it, and the in-flight flag.
     */
    private static final class Writer {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH + MAX_PACKET);
        final long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
        final TcpCoalescer coalescer;
        /** The queue this thread writes to. */
        final int fd;
        /** This thread calls {@link #flush()}; written and read by it only. */
        boolean flushes;
        volatile boolean busy;

        Writer(int fd, boolean offloads) {
            this.fd = fd;
            this.coalescer = offloads ? new TcpCoalescer(buffer) : null;
        }
    }

    /** The kernel refused IFF_VNET_HDR or an offload: worth a retry without them. */
    private static final class OffloadsRefused extends IOException {
        OffloadsRefused(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "TUN " + name + " (" + queueFds.length + (queueFds.length == 1 ? " queue" : " queues")
                + (offloads ? ", offloads)" : ")");
    }
}
