package io.portcullis.protocol.keymethod;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client's peer-info block: {@code KEY=value} lines (IV_VER, IV_PLAT, IV_PROTO,
 * IV_CIPHERS, IV_NCP, IV_MTU, IV_SSO, UV_*...). Insertion order is kept; later duplicates win.
 */
public record PeerInfo(Map<String, String> entries) {

    public static final PeerInfo EMPTY = new PeerInfo(Map.of());

    /** IV_PROTO bits (reference §5.1). */
    public static final int PROTO_DATA_V2 = 1 << 1;
    public static final int PROTO_REQUEST_PUSH = 1 << 2;
    public static final int PROTO_TLS_KEY_EXPORT = 1 << 3;
    public static final int PROTO_AUTH_PENDING_KW = 1 << 4;
    public static final int PROTO_NCP_P2P = 1 << 5;
    public static final int PROTO_DNS_OPTION = 1 << 6;
    public static final int PROTO_CC_EXIT_NOTIFY = 1 << 7;
    public static final int PROTO_AUTH_FAIL_TEMP = 1 << 8;
    public static final int PROTO_DYN_TLS_CRYPT = 1 << 9;

    public PeerInfo {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** Parses newline-separated lines; lines without '=' are ignored, CR stripped. */
    public static PeerInfo parse(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            int eq = l.indexOf('=');
            if (eq > 0) {
                // Interned: most names and values (IV_PLAT=linux, IV_CIPHERS=...) are the same for
                // thousands of clients, and the JVM's string table lets unused ones be collected.
                map.put(l.substring(0, eq).intern(), l.substring(eq + 1).intern());
            }
        }
        return new PeerInfo(map);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** IV_PROTO as a bit set, 0 if absent or not a number. */
    public int protoFlags() {
        try {
            return Integer.parseInt(entries.getOrDefault("IV_PROTO", "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public boolean hasProtoFlag(int flag) {
        return (protoFlags() & flag) != 0;
    }

    /** IV_CIPHERS as a list, empty if absent. */
    public List<String> ciphers() {
        String c = entries.get("IV_CIPHERS");
        return c == null || c.isBlank() ? List.of() : Arrays.asList(c.split(":"));
    }

    /** IV_NCP as a number, 0 if absent. */
    public int ncpVersion() {
        try {
            return Integer.parseInt(entries.getOrDefault("IV_NCP", "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public Optional<String> version() {
        return get("IV_VER");
    }

    public Optional<String> platform() {
        return get("IV_PLAT");
    }

    /** The wire text: lines joined by '\n', each terminated. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        entries.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }
}
