package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

/**
 * The nftables text for one endpoint's source NAT: its own {@code ip} table with a postrouting
 * chain that masquerades traffic from the client network to the routed networks. Each script is
 * one nft transaction that drops the old table and defines the new one, so a replacement is atomic
 * and a stale table from a crash is simply replaced. IPv6 is never translated.
 */
final class NatRuleset {

    static final String TABLE_PREFIX = "portcullis_";
    private static final int MAX_ID = 40;

    private NatRuleset() {
    }

    /** {@code portcullis_<endpointId>}, with anything but letters, digits and '_' replaced and a hash added then. */
    static String tableName(String endpointId) {
        StringBuilder safe = new StringBuilder();
        for (char c : endpointId.toCharArray()) {
            safe.append((c < 128 && Character.isLetterOrDigit(c)) || c == '_' ? c : '_');
        }
        String id = safe.toString();
        if (id.equals(endpointId) && !id.isEmpty() && id.length() <= MAX_ID) {
            return TABLE_PREFIX + id;
        }
        CRC32 crc = new CRC32();
        crc.update(endpointId.getBytes(StandardCharsets.UTF_8));
        String hash = String.format("%08x", crc.getValue());
        return TABLE_PREFIX + (id.length() > MAX_ID ? id.substring(0, MAX_ID) : id) + "_" + hash;
    }

    /** An atomic replacement of the table: create-if-missing, delete, define. */
    static String replace(String table, IpNetwork clientNetwork, List<IpNetwork> routedNetworks,
                          Optional<String> outInterface) {
        if (!clientNetwork.isIpv4()) {
            throw new IllegalArgumentException("source NAT is IPv4 only, not " + clientNetwork);
        }
        List<IpNetwork> targets = normalise(routedNetworks);
        StringBuilder script = new StringBuilder(delete(table));
        script.append("table ip ").append(table).append(" {\n");
        script.append("\tchain postrouting {\n");
        script.append("\t\ttype nat hook postrouting priority 100; policy accept;\n");
        if (!targets.isEmpty()) {
            script.append("\t\tip saddr ").append(clientNetwork);
            if (targets.stream().anyMatch(t -> t.contains(clientNetwork.address()) || clientNetwork.contains(t.address()))) {
                // A route over the client network allows client-to-client traffic: never masquerade that.
                script.append(" ip daddr != ").append(clientNetwork);
            }
            boolean everything = targets.size() == 1 && targets.get(0).prefixLength() == 0;
            if (!everything) {
                script.append(" ip daddr ").append(targets.size() == 1 ? targets.get(0).toString()
                        : targets.stream().map(IpNetwork::toString).collect(Collectors.joining(", ", "{ ", " }")));
            }
            outInterface.ifPresent(name -> script.append(" oifname \"").append(name).append('"'));
            script.append(" counter masquerade\n");
        }
        script.append("\t}\n}\n");
        return script.toString();
    }

    /** Removes the table if it is there; never fails because it is not. */
    static String delete(String table) {
        return "table ip " + table + "\ndelete table ip " + table + "\n";
    }

    /**
     * The IPv4 networks of the list, without those inside another one (nft refuses overlapping
     * elements in a set), sorted by address.
     */
    static List<IpNetwork> normalise(List<IpNetwork> networks) {
        List<IpNetwork> widestFirst = networks.stream().filter(IpNetwork::isIpv4).distinct()
                .sorted(Comparator.comparingInt(IpNetwork::prefixLength)).toList();
        List<IpNetwork> kept = new ArrayList<>();
        for (IpNetwork candidate : widestFirst) {
            if (kept.stream().noneMatch(wider -> wider.contains(candidate.address()))) {
                kept.add(candidate);
            }
        }
        kept.sort(Comparator.comparingLong(NatRuleset::unsigned));
        return List.copyOf(kept);
    }

    private static long unsigned(IpNetwork network) {
        byte[] b = network.address().getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
}
