package io.portcullis.benchmarks;

import io.portcullis.routing.tun.offload.InternetChecksum;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link InternetChecksum#sum} over one TCP segment's worth of bytes: what the TUN device's merging
 * of segments (client to network, on a heap buffer) and cutting of super-packets (network to
 * client, on a direct buffer) pay per segment to check or set a TCP checksum.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InternetChecksumBenchmark {

    @Param({"heap", "direct"})
    public String buffer;

    @Param({"1400"})
    public int size;

    private ByteBuffer data;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = new byte[size + 1];
        new Random(9).nextBytes(bytes);
        data = buffer.equals("direct") ? ByteBuffer.allocateDirect(bytes.length).put(bytes).flip() : ByteBuffer.wrap(bytes);
    }

    @Benchmark
    public long sum() {
        return InternetChecksum.sum(data, 0, size);
    }

    /** An odd length: the last byte is summed on its own, as a segment of odd length has it. */
    @Benchmark
    public long sumOddEnd() {
        return InternetChecksum.sum(data, 0, size + 1);
    }
}
