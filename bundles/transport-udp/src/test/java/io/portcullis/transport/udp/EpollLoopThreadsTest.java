package io.portcullis.transport.udp;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.portcullis.api.io.IoThreads;
import io.portcullis.api.transport.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The event loops lent to a routing engine: descriptors watched on them, and what they send. */
class EpollLoopThreadsTest {

    private static final int THREADS = 2;

    private UdpTransport transport;
    private IoThreads threads;
    private final List<FileDescriptor> pipeEnds = new ArrayList<>();
    private final List<IoThreads.Watch> watches = new ArrayList<>();

    @BeforeEach
    void start() {
        assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
        transport = new UdpTransport(UdpTransportTest.config("127.0.0.1", 0, THREADS));
        threads = transport.ioThreads().orElseThrow();
    }

    @AfterEach
    void stop() throws IOException {
        watches.forEach(IoThreads.Watch::close); // before the descriptors they watch are closed
        if (transport != null) {
            transport.deactivate();
        }
        for (FileDescriptor end : pipeEnds) {
            end.close();
        }
    }

    @Test
    void countsTheLoopsAndKnowsNoOtherThread() {
        assertEquals(THREADS, threads.count());
        assertEquals(-1, threads.currentIndex());
    }

    @Test
    void callsBackOnTheLoopItWasGivenWhichReadsTheByte() throws Exception {
        for (int index = 0; index < THREADS; index++) {
            FileDescriptor[] pipe = pipe();
            BlockingQueue<int[]> calls = new LinkedBlockingQueue<>(); // {currentIndex, byte read}
            ByteBuffer in = ByteBuffer.allocateDirect(16);
            IoThreads.Watch watch = watch(index, pipe[0], () -> {
                int read = read(pipe[0], in);
                calls.add(new int[] {threads.currentIndex(), read > 0 ? in.get(0) : -1});
            });
            assertTrue(watch.isActive());
            write(pipe[1], 40 + index);
            int[] call = calls.poll(5, TimeUnit.SECONDS);
            assertNotNull(call, "no callback on loop " + index);
            assertArrayEquals(new int[] {index, 40 + index}, call);
            assertNull(calls.poll(100, TimeUnit.MILLISECONDS), "called again with nothing to read");
        }
    }

    @Test
    void levelTriggeredCallsAgainWhileDataRemains() throws Exception {
        FileDescriptor[] pipe = pipe();
        CountDownLatch thrice = new CountDownLatch(3);
        IoThreads.Watch watch = watch(1, pipe[0], thrice::countDown); // never reads
        write(pipe[1], 1);
        assertTrue(thrice.await(5, TimeUnit.SECONDS), "a callback that did not read was not called again");
        watch.close();
        assertFalse(watch.isActive());
    }

    @Test
    void afterCloseNoCallbackRunsOrStarts() throws Exception {
        FileDescriptor[] pipe = pipe();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlapped = new AtomicInteger();
        ByteBuffer in = ByteBuffer.allocateDirect(1); // one byte per call: many calls while bytes remain
        IoThreads.Watch watch = watch(1, pipe[0], () -> {
            running.incrementAndGet();
            calls.incrementAndGet();
            read(pipe[0], in);
            try {
                Thread.sleep(2); // 50 bytes take 50 calls and 100 ms: close() comes in the middle
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
        });
        for (int i = 0; i < 50; i++) {
            write(pipe[1], i);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (calls.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(calls.get() > 0, "no callback");
        watch.close(); // while the callbacks may still be running
        if (running.get() != 0) {
            overlapped.incrementAndGet();
        }
        int afterClose = calls.get();
        assertFalse(watch.isActive());
        write(pipe[1], 99);
        Thread.sleep(300);
        assertEquals(afterClose, calls.get(), "a callback after close()");
        assertEquals(0, overlapped.get(), "a callback was running when close() returned");
        watch.close(); // idempotent
    }

    @Test
    void aFailingCallbackLeavesTheLoopWorking() throws Exception {
        FileDescriptor[] failing = pipe();
        BlockingQueue<Integer> failures = new LinkedBlockingQueue<>();
        ByteBuffer scratch = ByteBuffer.allocateDirect(16);
        watch(0, failing[0], () -> {
            read(failing[0], scratch);
            failures.add((int) scratch.get(0));
            throw new IllegalStateException("a routing engine's bug");
        });
        write(failing[1], 1);
        assertEquals(1, failures.poll(5, TimeUnit.SECONDS));
        write(failing[1], 2);
        assertEquals(2, failures.poll(5, TimeUnit.SECONDS), "the failing watch was not called again");

        FileDescriptor[] later = pipe();
        BlockingQueue<Integer> calls = new LinkedBlockingQueue<>();
        ByteBuffer in = ByteBuffer.allocateDirect(16);
        watch(0, later[0], () -> {
            read(later[0], in);
            calls.add(threads.currentIndex());
        });
        write(later[1], 3);
        assertEquals(0, calls.poll(5, TimeUnit.SECONDS));
    }

    /** On the loop itself a watch registers at once, and a callback may close its own watch. */
    @Test
    void aCallbackMayWatchAndCloseOnItsOwnLoop() throws Exception {
        FileDescriptor[] first = pipe();
        FileDescriptor[] second = pipe();
        AtomicReference<IoThreads.Watch> inner = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch watched = new CountDownLatch(1);
        BlockingQueue<Integer> secondCalls = new LinkedBlockingQueue<>();
        ByteBuffer in = ByteBuffer.allocateDirect(16);
        AtomicReference<IoThreads.Watch> outer = new AtomicReference<>();
        outer.set(watch(1, first[0], () -> {
            read(first[0], in);
            try {
                inner.set(threads.watch(1, second[0].intValue(), () -> {
                    read(second[0], in);
                    secondCalls.add(threads.currentIndex());
                }));
                outer.get().close(); // from inside its own callback
            } catch (IOException | RuntimeException e) {
                failure.set(e);
            }
            watched.countDown();
        }));
        write(first[1], 1);
        assertTrue(watched.await(5, TimeUnit.SECONDS));
        assertNull(failure.get());
        watches.add(inner.get());
        assertTrue(inner.get().isActive(), "registered before watch() returned on the loop");
        assertFalse(outer.get().isActive());
        write(second[1], 2);
        assertEquals(1, secondCalls.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aStoppedTransportEndsItsWatchesAndRefusesNewOnes() throws Exception {
        FileDescriptor[] pipe = pipe();
        IoThreads.Watch watch = watch(0, pipe[0], () -> { });
        assertTrue(watch.isActive());
        transport.deactivate();
        transport = null;
        assertFalse(watch.isActive());
        long start = System.nanoTime();
        watch.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "close() waited for a stopped loop");
        IOException refused = assertThrows(IOException.class, () -> threads.watch(0, pipe[0].intValue(), () -> { }));
        assertTrue(refused.getMessage().contains("stopping"), refused.getMessage());
    }

    @Test
    void aDescriptorIsWatchedOnceOnALoopAndAgainAfterClose() throws Exception {
        FileDescriptor[] pipe = pipe();
        IoThreads.Watch first = watch(0, pipe[0], () -> { });
        IOException refused = assertThrows(IOException.class, () -> threads.watch(0, pipe[0].intValue(), () -> { }));
        assertTrue(refused.getMessage().contains("fd " + pipe[0].intValue()), refused.getMessage());
        assertTrue(first.isActive(), "the first watch survives a refused second one");
        first.close();

        BlockingQueue<Integer> calls = new LinkedBlockingQueue<>();
        ByteBuffer in = ByteBuffer.allocateDirect(16);
        watch(0, pipe[0], () -> {
            read(pipe[0], in);
            calls.add(threads.currentIndex());
        });
        write(pipe[1], 1);
        assertEquals(0, calls.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aDescriptorTheKernelRefusesFailsTheWatch(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("regular"), "epoll refuses regular files");
        FileDescriptor regular = FileDescriptor.from(file.toFile());
        pipeEnds.add(regular);
        IOException refused = assertThrows(IOException.class, () -> threads.watch(1, regular.intValue(), () -> { }));
        assertTrue(refused.getMessage().contains("fd " + regular.intValue()), refused.getMessage());
        // And the loop is none the worse for it.
        FileDescriptor[] pipe = pipe();
        assertTrue(watch(1, pipe[0], () -> { }).isActive());
    }

    /**
     * A routing engine's TUN read on a loop sends a run of packets to a client: they leave through the
     * per-thread UDP GSO sender (not Netty's channel writes), at flush().
     */
    @Test
    void packetsSentOnALoopGoThroughTheSegmentSenderAndLeaveAtFlush() throws Exception {
        TransportBinding binding = transport.bind(new InetSocketAddress("127.0.0.1", 0), (b, peer, packet) -> { })
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            InetSocketAddress to = (InetSocketAddress) client.getLocalSocketAddress();
            FileDescriptor[] pipe = pipe();
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(UdpTransportTest.payload(i, 1000));
            }
            sent.add(UdpTransportTest.payload(20, 300)); // a shorter tail ends the run
            // Before and after flush(), as the callback saw them: it sets them after the datagrams left,
            // so this thread may have received them all before then.
            CompletableFuture<long[]> sentCounts = new CompletableFuture<>();
            AtomicInteger onLoop = new AtomicInteger(-2);
            ByteBuffer in = ByteBuffer.allocateDirect(16);
            watch(1, pipe[0], () -> {
                read(pipe[0], in);
                onLoop.set(threads.currentIndex());
                ByteBuffer scratch = ByteBuffer.allocateDirect(2048);
                for (byte[] packet : sent.subList(0, 20)) {
                    scratch.clear();
                    scratch.put(packet).flip();
                    binding.send(to, scratch);
                }
                long beforeFlush = binding.statistics().packetsSent();
                binding.send(to, ByteBuffer.wrap(sent.get(20)));
                binding.flush();
                sentCounts.complete(new long[] {beforeFlush, binding.statistics().packetsSent()});
            });
            write(pipe[1], 1);
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), UdpTransportTest.receiveBytes(client), "datagram " + i);
            }
            assertEquals(1, onLoop.get());
            // Netty's channel write would have counted each packet as it was queued.
            assertArrayEquals(new long[] {0, 21}, sentCounts.get(5, TimeUnit.SECONDS), "sent before and after flush()");
        }
        assertEquals(0, binding.statistics().dropped());
    }

    private IoThreads.Watch watch(int index, FileDescriptor fd, Runnable onReadable) throws IOException {
        IoThreads.Watch watch = threads.watch(index, fd.intValue(), onReadable);
        watches.add(watch);
        return watch;
    }

    /** A non-blocking pipe (Netty opens it with O_NONBLOCK): [read end, write end]. */
    private FileDescriptor[] pipe() throws IOException {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        pipeEnds.addAll(Arrays.asList(pipe));
        return pipe;
    }

    private static void write(FileDescriptor fd, int value) throws IOException {
        ByteBuffer out = ByteBuffer.allocateDirect(1);
        out.put((byte) value).flip();
        assertEquals(1, fd.write(out, 0, 1));
    }

    /** One non-blocking read into {@code in} from position 0: the bytes read, 0 when none, -1 at the end. */
    private static int read(FileDescriptor fd, ByteBuffer in) {
        try {
            return fd.read(in, 0, in.capacity());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
