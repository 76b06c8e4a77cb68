package io.portcullis.endpoint.authz;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.net.IpNetwork;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An endpoint's authorization rules, compiled for the per-packet check. Semantics are those of
 * the managed client VPN's authorization rules, so migrated rules behave the same:
 * <ul>
 * <li>default deny: an address no rule's destination contains is refused;
 * <li>otherwise the <em>deciding set</em> is every rule whose destination is the longest prefix
 * among the rule destinations containing the address (rules with the same CIDR form one set), and
 * the user passes iff one of them is an all-users rule or names one of the user's groups;
 * <li>a broader prefix never rescues a user the deciding set refuses: with 10.0.0.0/8 for all
 * users and 10.1.0.0/16 for group eng, a user outside eng may reach 10.2.3.4 but not 10.1.2.3;
 * so 0.0.0.0/0 and ::/0 rules cover only what no other rule names;
 * <li>IPv4 and IPv6 rules are separate: an IPv4 address is never decided by an IPv6 rule;
 * <li>group names compare case-insensitively, as Active Directory's do ({@code Eng} in a rule
 * matches a user in {@code eng}); names are folded with {@link Locale#ROOT}.
 * </ul>
 * Immutable and thread-safe: built once by {@link #of}, swapped whole by its owner when the rules
 * change. The checks ({@link #allowsIpv4}, {@link #allowsIpv6}) allocate nothing and take no lock;
 * they want a {@link UserAccess} made by {@link #access} of this very table.
 */
public final class AuthorizationTable {

    /** No rules: denies everything. */
    public static final AuthorizationTable EMPTY = of(List.of());

    private final List<AuthorizationRule> rules;
    private final Map<String, Integer> groupBit; // folded name -> bit
    private final DecidingSets sets;
    private final Ipv4Trie ipv4;                  // per packet
    private final PrefixHashTable ipv6;          // per packet, and for routes
    private final PrefixHashTable ipv4ByLength;  // for routes: longest prefix of bounded length
    private final SortedPrefixes ipv4Sorted;     // for routes: prefixes inside a network
    private final SortedPrefixes ipv6Sorted;

    private AuthorizationTable(List<AuthorizationRule> rules) {
        this.rules = rules;
        this.groupBit = new HashMap<>();
        Map<IpNetwork, List<AuthorizationRule>> byDestination = new LinkedHashMap<>();
        for (AuthorizationRule rule : rules) {
            rule.group().ifPresent(g -> groupBit.putIfAbsent(fold(g), groupBit.size()));
            byDestination.computeIfAbsent(rule.destination(), d -> new ArrayList<>()).add(rule);
        }
        List<List<AuthorizationRule>> bySet = new ArrayList<>();
        List<Prefix> v4 = new ArrayList<>();
        List<Prefix> v6 = new ArrayList<>();
        for (Map.Entry<IpNetwork, List<AuthorizationRule>> e : byDestination.entrySet()) {
            Prefix prefix = Prefix.of(e.getKey(), bySet.size());
            (prefix.ipv4() ? v4 : v6).add(prefix);
            bySet.add(List.copyOf(e.getValue()));
        }
        this.sets = new DecidingSets(bySet, groupBit);
        this.ipv4 = new Ipv4Trie(v4);
        this.ipv6 = new PrefixHashTable(v6);
        this.ipv4ByLength = new PrefixHashTable(v4);
        this.ipv4Sorted = new SortedPrefixes(v4);
        this.ipv6Sorted = new SortedPrefixes(v6);
    }

    /** Compiles {@code rules}, kept in their configuration order. */
    public static AuthorizationTable of(List<AuthorizationRule> rules) {
        return new AuthorizationTable(List.copyOf(rules));
    }

    /** The rules, in configuration order. */
    public List<AuthorizationRule> rules() {
        return rules;
    }

    public int size() {
        return rules.size();
    }

    /**
     * Resolves a user's groups (compared case-insensitively; names no rule mentions are ignored)
     * for the per-packet checks of this table. Once per user and table, not per packet.
     */
    public UserAccess access(Set<String> groups) {
        Set<String> copy = Set.copyOf(groups);
        long[] bits = new long[DecidingSets.words(groupBit.size())];
        for (String group : copy) {
            Integer bit = groupBit.get(fold(group));
            if (bit != null) {
                bits[bit >>> 6] |= 1L << bit;
            }
        }
        return new UserAccess(this, copy, bits);
    }

    /**
     * Whether the user may exchange packets with the IPv4 address {@code address} (big-endian,
     * as in the header). Allocation-free.
     *
     * @throws IllegalArgumentException if {@code user} was made for another table
     */
    public boolean allowsIpv4(UserAccess user, int address) {
        long[] bits = bitsOf(user);
        int id = ipv4.lookup(address);
        return id >= 0 && sets.allows(id, bits);
    }

    /**
     * Whether the user may exchange packets with the IPv6 address whose first eight bytes are
     * {@code high} and last eight {@code low} (both big-endian). Allocation-free.
     *
     * @throws IllegalArgumentException if {@code user} was made for another table
     */
    public boolean allowsIpv6(UserAccess user, long high, long low) {
        long[] bits = bitsOf(user);
        int id = ipv6.lookup(high, low);
        return id >= 0 && sets.allows(id, bits);
    }

    /**
     * Whether the user may reach some address of {@code network}, to decide which routes to push
     * in split tunnel: true when the deciding set of the network as a whole (the longest rule
     * prefix containing all of it) lets the user through, or when some rule whose destination
     * lies strictly inside the network does.
     * <p>
     * This may over-approximate, never under-approximate: a prefix's rules count even when
     * still more specific prefixes shadow every one of its addresses and refuse the user. A route
     * pushed on such grounds costs nothing but a detour: the packets are still checked, and
     * dropped, per packet. A network the user can reach is never left out.
     *
     * @throws IllegalArgumentException if {@code user} was made for another table
     */
    public boolean authorizesSomeOf(UserAccess user, IpNetwork network) {
        long[] bits = bitsOf(user);
        byte[] address = network.address().getAddress();
        boolean v4 = address.length == 4;
        long high = AddressBits.high(address);
        long low = AddressBits.low(address);
        int length = network.prefixLength();
        int id = (v4 ? ipv4ByLength : ipv6).lookup(high, low, length);
        if (id >= 0 && sets.allows(id, bits)) {
            return true;
        }
        return (v4 ? ipv4Sorted : ipv6Sorted).anyStrictlyInside(high, low, length, v4 ? 32 : 128,
                inner -> sets.allows(inner, bits));
    }

    /**
     * Why a user with {@code groups} may or may not reach {@code destination}, for operators
     * (vpn:authorizations, the connection log). Gives the same answer as the per-packet checks;
     * {@code allowedBy} is the first rule of the deciding set, in configuration order, that lets
     * the user through.
     */
    public AuthorizationVerdict explain(Set<String> groups, InetAddress destination) {
        Objects.requireNonNull(destination, "destination");
        Set<String> folded = new LinkedHashSet<>();
        groups.forEach(g -> folded.add(fold(g)));
        byte[] bytes = destination.getAddress();
        long high = AddressBits.high(bytes);
        long low = AddressBits.low(bytes);
        boolean v4 = bytes.length == 4;
        int id = v4 ? ipv4.lookup(AddressBits.ipv4(bytes)) : ipv6.lookup(high, low);
        String where = destination.getHostAddress();
        if (id < 0) {
            return new AuthorizationVerdict(false, destination, groups, Optional.empty(), List.of(), Optional.empty(),
                    "no rule covers " + where + ": denied by default");
        }
        IpNetwork network = sets.network(id);
        List<AuthorizationRule> deciding = sets.rules(id);
        Optional<AuthorizationRule> allowedBy = deciding.stream()
                .filter(r -> r.allUsers() || folded.contains(fold(r.group().orElseThrow())))
                .findFirst();
        StringBuilder reason = new StringBuilder(where).append(" is in ").append(network)
                .append(", the longest prefix with rules; ");
        if (allowedBy.isPresent()) {
            AuthorizationRule rule = allowedBy.get();
            reason.append(deciding.size() == 1 ? "its rule " : "of its " + deciding.size() + " rules, ")
                    .append(describe(rule))
                    .append(rule.allUsers() ? " allows all users" : " allows the user's group " + rule.group().orElseThrow());
        } else {
            Set<String> named = new LinkedHashSet<>();
            Set<String> seen = new HashSet<>();
            deciding.forEach(r -> r.group().filter(g -> seen.add(fold(g))).ifPresent(named::add));
            reason.append("its ").append(deciding.size()).append(deciding.size() == 1 ? " rule allows group" : " rules allow group")
                    .append(named.size() == 1 ? " " : "s ").append(String.join(", ", named)).append("; ")
                    .append(groups.isEmpty() ? "the user is in no group" : "the user's groups " + new TreeSet<>(groups) + " are not among them");
            int broader = (v4 ? ipv4ByLength : ipv6).lookup(high, low, network.prefixLength() - 1);
            if (broader >= 0) {
                reason.append(" (rules of the broader ").append(sets.network(broader)).append(" do not apply)");
            }
        }
        return new AuthorizationVerdict(allowedBy.isPresent(), destination, groups, Optional.of(network), deciding,
                allowedBy, reason.toString());
    }

    @Override
    public String toString() {
        return "AuthorizationTable[" + rules.size() + " rules on " + sets.size() + " destinations]";
    }

    /** Group names compare case-insensitively: upper- then lower-casing folds e.g. final sigma too. */
    static String fold(String group) {
        return group.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }

    private long[] bitsOf(UserAccess user) {
        if (user.table() != this) {
            // Bits of another table mean other groups: refuse rather than answer wrongly.
            throw new IllegalArgumentException(user + " was made for another authorization table; use forTable(current)");
        }
        return user.bits;
    }

    private static String describe(AuthorizationRule rule) {
        return rule.grantee() + (rule.description().isEmpty() ? "" : " (\"" + rule.description() + "\")");
    }
}
