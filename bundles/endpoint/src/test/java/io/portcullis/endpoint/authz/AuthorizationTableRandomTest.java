package io.portcullis.endpoint.authz;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.net.IpNetwork;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The compiled table against a brute-force reading of the rules (scan every rule, keep the
 * longest containing prefix, check its rules), on random rules crowded into a few networks so
 * that prefixes nest deeply, and addresses half inside rule destinations.
 */
class AuthorizationTableRandomTest {

    private static final int GROUPS = 70; // more than 64: the bitsets need two words

    @Test
    void tenThousandIpv4RulesAgreeWithBruteForce() {
        Random random = new Random(5);
        int[] firstOctets = {10, 100, 172};
        List<AuthorizationRule> rules = new ArrayList<>();
        rules.add(rule(random, "0.0.0.0/0"));
        rules.add(rule(random, "10.0.0.0/8"));
        rules.add(rule(random, "172.16.0.0/12"));
        while (rules.size() < 10_000) {
            int address = firstOctets[random.nextInt(firstOctets.length)] << 24 | random.nextInt(32) << 16 | random.nextInt(1 << 16);
            rules.add(rule(random, v4(address) + "/" + (16 + random.nextInt(13))));
        }
        long start = System.nanoTime();
        AuthorizationTable table = AuthorizationTable.of(rules);
        System.out.printf("built %s in %d ms%n", table, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

        Reference reference = new Reference(rules);
        List<Set<String>> users = users(random);
        List<UserAccess> access = users.stream().map(table::access).toList();
        int allowed = 0;
        for (int i = 0; i < 100_000; i++) {
            int address = switch (i % 4) {
                case 0, 1 -> inside(random, rules.get(random.nextInt(rules.size())).destination());
                case 2 -> firstOctets[random.nextInt(firstOctets.length)] << 24 | random.nextInt(1 << 24);
                default -> random.nextInt();
            };
            int u = random.nextInt(users.size());
            byte[] bytes = ByteBuffer.allocate(4).putInt(address).array();
            Reference.Answer expected = reference.decide(bytes, users.get(u));
            assertEquals(expected.allowed(), table.allowsIpv4(access.get(u), address),
                    () -> v4(address) + " for " + users.get(u) + ": " + table.explain(users.get(u), ip(bytes)).reason());
            allowed += expected.allowed() ? 1 : 0;
            if (i % 50 == 0) {
                checkExplain(table, users.get(u), bytes, expected);
            }
        }
        assertTrue(allowed > 10_000 && allowed < 90_000, "a useful mix of verdicts: " + allowed);

        for (int i = 0; i < 3_000; i++) {
            int length = random.nextInt(33);
            int address = i % 2 == 0 ? inside(random, rules.get(random.nextInt(rules.size())).destination()) : random.nextInt();
            IpNetwork network = IpNetwork.parse(v4(address) + "/" + length);
            int u = random.nextInt(users.size());
            assertEquals(reference.authorizesSomeOf(network, users.get(u)), table.authorizesSomeOf(access.get(u), network),
                    () -> network + " for " + users.get(u));
        }
    }

    @Test
    void ipv6RulesAgreeWithBruteForce() {
        Random random = new Random(6);
        long[] tops = {0x2001_0db8_0000_0000L, 0x2a00_1450_0000_0000L};
        List<AuthorizationRule> rules = new ArrayList<>();
        rules.add(rule(random, "::/0"));
        rules.add(rule(random, "2001:db8::/32"));
        rules.add(rule(random, "10.0.0.0/8")); // IPv4 rules must not decide IPv6 addresses
        while (rules.size() < 3_000) {
            long high = tops[random.nextInt(tops.length)] | (random.nextLong() & 0x0000_0000_00FF_FFFFL) << 8;
            int[] lengths = {33, 40, 48, 56, 60, 64, 72, 96, 112, 127, 128};
            int length = random.nextInt(4) == 0 ? 33 + random.nextInt(96) : lengths[random.nextInt(lengths.length)];
            rules.add(rule(random, ip(v6(high, random.nextLong())).getHostAddress() + "/" + length));
        }
        AuthorizationTable table = AuthorizationTable.of(rules);
        Reference reference = new Reference(rules);
        List<Set<String>> users = users(random);
        List<UserAccess> access = users.stream().map(table::access).toList();
        int allowed = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] bytes = v6(random.nextLong(), random.nextLong());
            if (i % 3 != 2) {
                IpNetwork d = rules.get(random.nextInt(rules.size())).destination();
                if (!d.isIpv4()) {
                    bytes = insideV6(random, d);
                }
            }
            int u = random.nextInt(users.size());
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            Reference.Answer expected = reference.decide(bytes, users.get(u));
            byte[] address = bytes;
            assertEquals(expected.allowed(), table.allowsIpv6(access.get(u), buffer.getLong(), buffer.getLong()),
                    () -> ip(address).getHostAddress() + " for " + users.get(u));
            allowed += expected.allowed() ? 1 : 0;
            if (i % 20 == 0) {
                checkExplain(table, users.get(u), bytes, expected);
            }
        }
        assertTrue(allowed > 3_000 && allowed < 27_000, "a useful mix of verdicts: " + allowed);

        for (int i = 0; i < 2_000; i++) {
            IpNetwork d = rules.get(random.nextInt(rules.size())).destination();
            byte[] bytes = d.isIpv4() ? v6(random.nextLong(), random.nextLong()) : insideV6(random, d);
            IpNetwork network = new IpNetwork(ip(bytes), random.nextInt(129));
            int u = random.nextInt(users.size());
            assertEquals(reference.authorizesSomeOf(network, users.get(u)), table.authorizesSomeOf(access.get(u), network),
                    () -> network + " for " + users.get(u));
        }
    }

    private static void checkExplain(AuthorizationTable table, Set<String> groups, byte[] address, Reference.Answer expected) {
        AuthorizationVerdict verdict = table.explain(groups, ip(address));
        assertEquals(expected.allowed(), verdict.allowed(), verdict.reason());
        assertEquals(expected.decidingLength(), verdict.decidingNetwork().map(IpNetwork::prefixLength).orElse(-1), verdict.reason());
        verdict.decidingRules().forEach(r -> assertTrue(r.destination().contains(ip(address)), r + " in " + verdict));
        assertEquals(verdict.allowed(), verdict.allowedBy().isPresent());
    }

    /** A rule for one of GROUPS groups, the name's case varied, or (one in ten) for all users. */
    private static AuthorizationRule rule(Random random, String cidr) {
        Optional<String> group = random.nextInt(10) == 0 ? Optional.empty() : Optional.of(groupName(random));
        return new AuthorizationRule(IpNetwork.parse(cidr), group, "");
    }

    private static String groupName(Random random) {
        String name = "group-" + random.nextInt(GROUPS);
        return random.nextBoolean() ? name.toUpperCase(Locale.ROOT) : name;
    }

    private static List<Set<String>> users(Random random) {
        List<Set<String>> users = new ArrayList<>();
        users.add(Set.of());
        users.add(Set.of("not-in-any-rule"));
        while (users.size() < 60) {
            Set<String> groups = new HashSet<>();
            for (int g = random.nextInt(25); g > 0; g--) { // up to a third of the groups: both verdicts common
                groups.add(groupName(random));
            }
            users.add(groups);
        }
        return users;
    }

    private static int inside(Random random, IpNetwork network) {
        int base = ByteBuffer.wrap(network.address().getAddress()).getInt();
        int hostBits = 32 - network.prefixLength();
        return hostBits == 0 ? base : base | (random.nextInt() >>> (32 - hostBits));
    }

    private static byte[] insideV6(Random random, IpNetwork network) {
        byte[] bytes = network.address().getAddress();
        for (int bit = network.prefixLength(); bit < 128; bit++) {
            if (random.nextBoolean()) {
                bytes[bit / 8] |= (byte) (0x80 >>> (bit % 8));
            }
        }
        return bytes;
    }

    private static String v4(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    private static byte[] v6(long high, long low) {
        return ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    }

    private static InetAddress ip(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The rules read the slow, obvious way: every rule looked at for every question. */
    private static final class Reference {
        private final List<AuthorizationRule> rules;
        private final byte[][] network;
        private final int[] length;
        private final String[] group; // folded; null = all users

        record Answer(boolean allowed, int decidingLength) {
        }

        Reference(List<AuthorizationRule> rules) {
            this.rules = rules;
            int n = rules.size();
            network = new byte[n][];
            length = new int[n];
            group = new String[n];
            for (int i = 0; i < n; i++) {
                network[i] = rules.get(i).destination().address().getAddress();
                length[i] = rules.get(i).destination().prefixLength();
                group[i] = rules.get(i).group().map(g -> g.toLowerCase(Locale.ROOT)).orElse(null);
            }
        }

        Answer decide(byte[] address, Set<String> groups) {
            return decide(address, 128, groups);
        }

        /** Among rules of at most {@code maxLength} bits containing {@code address}. */
        Answer decide(byte[] address, int maxLength, Set<String> groups) {
            Set<String> folded = fold(groups);
            int best = -1;
            boolean allowed = false;
            for (int i = 0; i < rules.size(); i++) {
                if (length[i] > maxLength || length[i] < best || !matches(network[i], length[i], address)) {
                    continue;
                }
                boolean grants = group[i] == null || folded.contains(group[i]);
                allowed = length[i] == best ? allowed || grants : grants;
                best = length[i];
            }
            return new Answer(allowed, best);
        }

        boolean authorizesSomeOf(IpNetwork route, Set<String> groups) {
            byte[] address = route.address().getAddress();
            if (decide(address, route.prefixLength(), groups).allowed()) {
                return true;
            }
            Set<String> folded = fold(groups);
            for (int i = 0; i < rules.size(); i++) {
                if (length[i] > route.prefixLength() && matches(address, route.prefixLength(), network[i])
                        && (group[i] == null || folded.contains(group[i]))) {
                    return true;
                }
            }
            return false;
        }

        /** Whether the first {@code bits} bits of {@code candidate} equal those of {@code network}. */
        private static boolean matches(byte[] network, int bits, byte[] candidate) {
            if (network.length != candidate.length) {
                return false;
            }
            int i = 0;
            for (; bits >= 8; bits -= 8, i++) {
                if (network[i] != candidate[i]) {
                    return false;
                }
            }
            return bits == 0 || ((network[i] ^ candidate[i]) & 0xff & (0xff00 >>> bits)) == 0;
        }

        private static Set<String> fold(Set<String> groups) {
            Set<String> folded = new HashSet<>();
            groups.forEach(g -> folded.add(g.toLowerCase(Locale.ROOT)));
            return folded;
        }
    }
}
