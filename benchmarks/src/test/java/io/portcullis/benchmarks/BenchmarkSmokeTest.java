package io.portcullis.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * CI smoke mode: every benchmark (every parameter combination) runs once, in this JVM, for
 * 100 ms, so the benchmark code keeps compiling and running (and its built-in correctness checks
 * hold: every packet opens, the replay window gives the expected verdicts, valid client
 * certificates are accepted and a broken signature is not). Asserts nothing about
 * speed; the figures printed here are meaningless (no fork, no warm-up).
 */
class BenchmarkSmokeTest {

    /** Benchmark method -> number of parameter combinations it runs with. */
    private static final Map<String, Integer> EXPECTED = new TreeMap<>(Map.ofEntries(
            Map.entry(AeadBenchmark.class.getName() + ".seal", 12),
            Map.entry(AeadBenchmark.class.getName() + ".open", 12),
            Map.entry(AeadBenchmark.class.getName() + ".jdkSeal", 12),
            Map.entry(AeadBenchmark.class.getName() + ".jdkOpen", 12),
            Map.entry(AeadBenchmark.class.getName() + ".jdkOpenIntoDirect", 12),
            Map.entry(ReplayWindowBenchmark.class.getName() + ".inOrder", 1),
            Map.entry(ReplayWindowBenchmark.class.getName() + ".slightlyReordered", 1),
            Map.entry(ReplayWindowBenchmark.class.getName() + ".replayed", 1),
            Map.entry(AuthorizationLookupBenchmark.class.getName() + ".hit", 2),
            Map.entry(AuthorizationLookupBenchmark.class.getName() + ".miss", 2),
            Map.entry(AuthorizationLookupBenchmark.class.getName() + ".build", 2),
            Map.entry(ClientCertificateBenchmark.class.getName() + ".authenticate", 2),
            Map.entry(ClientCertificateBenchmark.class.getName() + ".parseOnly", 2),
            Map.entry(InternetChecksumBenchmark.class.getName() + ".sum", 2),
            Map.entry(InternetChecksumBenchmark.class.getName() + ".sumOddEnd", 2)));

    @Test
    void everyBenchmarkRunsOnceAndProducesAResult() throws RunnerException {
        Options options = new OptionsBuilder()
                .include("^" + BenchmarkSmokeTest.class.getPackageName().replace(".", "\\.") + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .threads(1)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        long start = System.nanoTime();
        Collection<RunResult> results = new Runner(options).run();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        Map<String, Integer> seen = new TreeMap<>();
        for (RunResult run : results) {
            String benchmark = run.getParams().getBenchmark();
            seen.merge(benchmark, 1, Integer::sum);
            Result<?> primary = run.getPrimaryResult();
            String label = benchmark + " " + run.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + run.getParams().getParam(k)).toList();
            assertTrue(primary.getSampleCount() >= 1, label + ": no sample");
            assertFalse(Double.isNaN(primary.getScore()), label + ": no score");
            System.out.printf("smoke %-70s %14.0f %s%n", label, primary.getScore(), primary.getScoreUnit());
        }
        System.out.printf("smoke: %d runs in %d ms%n", results.size(), millis);
        assertEquals(EXPECTED, seen, "benchmarks run, with their parameter combinations");
    }
}
