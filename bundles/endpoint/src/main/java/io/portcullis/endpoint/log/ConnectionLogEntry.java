package io.portcullis.endpoint.log;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of an endpoint's connection log: a JSON object with the field names a managed client
 * VPN service writes, so existing log tooling reads it unchanged. Absent values are "NA", as there.
 */
public final class ConnectionLogEntry {

    /** What the entry records. */
    public enum Type {
        ATTEMPT("connection-attempt"), UPDATE("connection-update"), RESET("connection-reset");

        private final String value;

        Type(String value) {
            this.value = value;
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Map<String, String> fields = new LinkedHashMap<>();

    public ConnectionLogEntry(Type type) {
        for (String name : new String[]{"connection-log-type", "connection-attempt-status", "connection-attempt-failure-reason",
                "connection-reset-status", "connection-id", "client-vpn-endpoint-id", "transport-protocol",
                "connection-start-time", "connection-last-update-time", "connection-end-time",
                "connection-duration-seconds", "client-ip", "common-name", "username", "device-type", "device-ip", "port",
                "client-openvpn-version", "ingress-bytes", "egress-bytes", "ingress-packets", "egress-packets",
                "posture-compliance-statuses"}) {
            fields.put(name, "NA");
        }
        fields.put("connection-log-type", type.value);
    }

    public ConnectionLogEntry set(String field, String value) {
        if (!fields.containsKey(field)) {
            throw new IllegalArgumentException("not a connection log field: " + field);
        }
        fields.put(field, value == null || value.isEmpty() ? "NA" : value);
        return this;
    }

    public ConnectionLogEntry set(String field, long value) {
        return set(field, Long.toString(value));
    }

    public ConnectionLogEntry time(String field, Instant value) {
        return set(field, value == null ? null : TIME.format(value));
    }

    public String get(String field) {
        return fields.get(field);
    }

    /** The entry as one line of JSON, without the line break. */
    public String toJson() {
        StringBuilder json = new StringBuilder(640).append('{');
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            quote(json, field.getKey()).append(':');
            quote(json, field.getValue());
        }
        return json.append('}').toString();
    }

    private static StringBuilder quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
