package io.portcullis.benchmarks;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.net.IpNetwork;
import io.portcullis.endpoint.authz.AuthorizationTable;
import io.portcullis.endpoint.authz.UserAccess;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
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
 * The per-packet authorization check, {@link AuthorizationTable#allowsIpv4}, with {@link #rules}
 * random rules: /16 to /28 destinations crowded into 10.0.0.0/11, 100.64.0.0/11 and
 * 172.0.0.0/11 (so they nest and share prefixes), one of 50 groups each or, one in ten, all
 * users; the user is in 3 groups. One operation is one lookup, walking a pre-generated ring of
 * {@value #ADDRESSES} addresses:
 * <ul>
 * <li>{@link #hit}: addresses inside rule destinations (both verdicts occur);
 * <li>{@link #miss}: addresses no rule covers (default deny).
 * </ul>
 * {@link #build} compiles the rules, as a configuration change does (ms per table).
 * The set-up checks every hit address against a brute-force reading of the rules, so a broken
 * table fails the run instead of being measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AuthorizationLookupBenchmark {

    static final int ADDRESSES = 4096;
    private static final int GROUPS = 50;
    private static final int[] FIRST_OCTETS = {10, 100, 172};

    @Param({"1000", "10000"})
    public int rules;

    private List<AuthorizationRule> ruleList;
    private int[] ruleNetworks;
    private int[] ruleLengths;
    private AuthorizationTable table;
    private UserAccess user;
    private final int[] hits = new int[ADDRESSES];
    private final int[] misses = new int[ADDRESSES];
    private int hitIndex;
    private int missIndex;

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(5);
        ruleList = new ArrayList<>(rules);
        while (ruleList.size() < rules) {
            int address = FIRST_OCTETS[random.nextInt(FIRST_OCTETS.length)] << 24 | random.nextInt(1 << 21);
            IpNetwork destination = new IpNetwork(toAddress(address), 16 + random.nextInt(13));
            Optional<String> group = random.nextInt(10) == 0 ? Optional.empty() : Optional.of("group-" + random.nextInt(GROUPS));
            ruleList.add(new AuthorizationRule(destination, group, ""));
        }
        table = AuthorizationTable.of(ruleList);
        ruleNetworks = ruleList.stream().mapToInt(r -> toInt(r.destination().address())).toArray();
        ruleLengths = ruleList.stream().mapToInt(r -> r.destination().prefixLength()).toArray(); // 16..28
        Set<String> groups = Set.of("group-1", "group-2", "group-3");
        user = table.access(groups);

        int allowed = 0;
        for (int i = 0; i < ADDRESSES; i++) {
            IpNetwork d = ruleList.get(random.nextInt(rules)).destination();
            int hostBits = 32 - d.prefixLength();
            hits[i] = toInt(d.address()) | (random.nextInt() >>> (32 - hostBits));
            boolean expected = bruteForce(hits[i], groups);
            if (table.allowsIpv4(user, hits[i]) != expected) {
                throw new IllegalStateException("table and brute force disagree on " + toAddress(hits[i]));
            }
            allowed += expected ? 1 : 0;
        }
        if (allowed == 0 || allowed == ADDRESSES) {
            throw new IllegalStateException("hits should mix verdicts, got " + allowed + " allowed");
        }
        for (int i = 0; i < ADDRESSES; i++) {
            do {
                misses[i] = random.nextInt();
            } while (table.explain(groups, toAddress(misses[i])).decidingNetwork().isPresent());
        }
    }

    @Benchmark
    public boolean hit() {
        int i = hitIndex;
        hitIndex = (i + 1) & (ADDRESSES - 1);
        return table.allowsIpv4(user, hits[i]);
    }

    @Benchmark
    public boolean miss() {
        int i = missIndex;
        missIndex = (i + 1) & (ADDRESSES - 1);
        return table.allowsIpv4(user, misses[i]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public AuthorizationTable build() {
        return AuthorizationTable.of(ruleList);
    }

    /** Every rule looked at: the longest containing destination decides (rules are all-users or one group). */
    private boolean bruteForce(int address, Set<String> groups) {
        int best = -1;
        boolean allowed = false;
        for (int r = 0; r < rules; r++) {
            int length = ruleLengths[r];
            if (length < best || (address & (-1 << (32 - length))) != ruleNetworks[r]) {
                continue;
            }
            boolean grants = ruleList.get(r).group().map(groups::contains).orElse(true);
            allowed = length == best ? allowed || grants : grants;
            best = length;
        }
        return allowed;
    }

    private static int toInt(InetAddress address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    private static InetAddress toAddress(int address) {
        try {
            return InetAddress.getByAddress(new byte[] {
                (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
