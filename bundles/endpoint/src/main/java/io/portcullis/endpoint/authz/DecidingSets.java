package io.portcullis.endpoint.authz;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.net.IpNetwork;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The rules of each distinct rule destination, numbered 0..n-1 (the id the lookup structures
 * return). Per destination the data path needs only "all users?" and which groups: kept as the
 * non-zero words of a group bitset (word index + bits), so a check reads as many words as the
 * destination names distinct words of groups, usually one, however many groups the table knows.
 */
final class DecidingSets {

    private final IpNetwork[] networks;
    private final List<List<AuthorizationRule>> rules;
    private final boolean[] allUsers;
    private final int[] wordStart; // set id -> first index into wordIndex/wordBits; length n + 1
    private final int[] wordIndex;
    private final long[] wordBits;

    /**
     * @param rules    per set id, its rules in configuration order (all with the same destination)
     * @param groupBit folded group name -> bit number
     */
    DecidingSets(List<List<AuthorizationRule>> rules, Map<String, Integer> groupBit) {
        int n = rules.size();
        this.rules = List.copyOf(rules);
        this.networks = new IpNetwork[n];
        this.allUsers = new boolean[n];
        this.wordStart = new int[n + 1];
        // Each group rule adds at most one non-zero word: that bounds the arrays.
        int groupRules = rules.stream().mapToInt(r -> (int) r.stream().filter(x -> !x.allUsers()).count()).sum();
        int[] index = new int[groupRules];
        long[] bits = new long[groupRules];
        long[] dense = new long[words(groupBit.size())];
        int used = 0;
        for (int id = 0; id < n; id++) {
            networks[id] = rules.get(id).get(0).destination();
            Arrays.fill(dense, 0L);
            for (AuthorizationRule rule : rules.get(id)) {
                if (rule.allUsers()) {
                    allUsers[id] = true;
                } else {
                    int bit = groupBit.get(AuthorizationTable.fold(rule.group().orElseThrow()));
                    dense[bit >>> 6] |= 1L << bit;
                }
            }
            wordStart[id] = used;
            for (int w = 0; w < dense.length; w++) {
                if (dense[w] != 0) {
                    index[used] = w;
                    bits[used++] = dense[w];
                }
            }
        }
        wordStart[n] = used;
        this.wordIndex = Arrays.copyOf(index, used);
        this.wordBits = Arrays.copyOf(bits, used);
    }

    static int words(int groups) {
        return (groups + 63) >>> 6;
    }

    int size() {
        return networks.length;
    }

    /** Whether set {@code id} lets a user with the group bitset {@code user} through. */
    boolean allows(int id, long[] user) {
        if (allUsers[id]) {
            return true;
        }
        for (int i = wordStart[id], end = wordStart[id + 1]; i < end; i++) {
            if ((wordBits[i] & user[wordIndex[i]]) != 0) {
                return true;
            }
        }
        return false;
    }

    IpNetwork network(int id) {
        return networks[id];
    }

    List<AuthorizationRule> rules(int id) {
        return rules.get(id);
    }
}
