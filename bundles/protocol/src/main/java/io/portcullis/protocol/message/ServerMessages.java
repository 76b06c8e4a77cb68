package io.portcullis.protocol.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builders for server-to-client text messages (reference §8, §9, §10.3). Each returns the
 * wire bytes including the terminating NUL; send each in its own TLS record.
 */
public final class ServerMessages {

    /** Stock 2.x servers keep each message within this many bytes (PUSH_BUNDLE_SIZE). */
    public static final int DEFAULT_MAX_MESSAGE = 1024;
    /** A client cuts pushed options at 255 characters (OPTION_PARM_SIZE 256 incl. NUL). */
    public static final int MAX_OPTION_LENGTH = 255;
    private static final String PUSH_REPLY = "PUSH_REPLY";
    private static final String MORE = ",push-continuation 2";
    private static final String LAST = ",push-continuation 1";

    private ServerMessages() {
    }

    /** NUL-terminated ASCII; rejects control characters the client would refuse. */
    public static byte[] encode(String message) {
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("control messages must be printable ASCII");
            }
        }
        byte[] b = message.getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
        return out;
    }

    /**
     * PUSH_REPLY messages for the given options, split so that each message (with its NUL)
     * stays within {@code maxMessage} bytes; split replies end in {@code push-continuation 2}
     * except the last, which ends in {@code push-continuation 1}. An empty list gives one
     * bare {@code PUSH_REPLY}.
     */
    public static List<String> pushReply(List<String> options, int maxMessage) {
        for (String o : options) {
            if (o.isEmpty() || o.length() > MAX_OPTION_LENGTH || o.indexOf(',') >= 0) {
                throw new IllegalArgumentException("pushed option must be 1..255 chars without commas: " + o);
            }
        }
        int single = PUSH_REPLY.length() + options.stream().mapToInt(o -> o.length() + 1).sum() + 1;
        if (single <= maxMessage) {
            return List.of(PUSH_REPLY + options.stream().map(o -> "," + o).reduce("", String::concat));
        }
        int budget = maxMessage - 1 - PUSH_REPLY.length() - MORE.length();
        if (budget < MAX_OPTION_LENGTH + 1) {
            throw new IllegalArgumentException("maxMessage too small to hold a 255-char option");
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder(PUSH_REPLY);
        for (String o : options) {
            if (current.length() - PUSH_REPLY.length() + o.length() + 1 > budget) {
                out.add(current.append(MORE).toString());
                current = new StringBuilder(PUSH_REPLY);
            }
            current.append(',').append(o);
        }
        out.add(current.append(LAST).toString());
        return out;
    }

    public static List<String> pushReply(List<String> options) {
        return pushReply(options, DEFAULT_MAX_MESSAGE);
    }

    /** {@code AUTH_FAILED} or {@code AUTH_FAILED,reason}. */
    public static String authFailed(String reason) {
        return reason == null || reason.isEmpty() ? "AUTH_FAILED" : "AUTH_FAILED," + reason;
    }

    /** {@code AUTH_PENDING} or, for clients with IV_PROTO bit 4, {@code AUTH_PENDING,timeout N}. */
    public static String authPending(int timeoutSeconds) {
        return timeoutSeconds > 0 ? "AUTH_PENDING,timeout " + timeoutSeconds : "AUTH_PENDING";
    }

    public static String info(String extra) {
        return "INFO," + extra;
    }

    /** E.g. {@code INFO_PRE,WEB_AUTH::https://...}; keep the whole message within 1024 bytes. */
    public static String infoPre(String extra) {
        return "INFO_PRE," + extra;
    }

    /**
     * {@code RESTART}, or {@code RESTART,[flags]text}; flags {@code P} keep credentials,
     * {@code N} advance to the next remote.
     */
    public static String restart(String flags, String text) {
        if ((flags == null || flags.isEmpty()) && (text == null || text.isEmpty())) {
            return "RESTART";
        }
        return "RESTART," + (flags == null || flags.isEmpty() ? "" : "[" + flags + "]") + (text == null ? "" : text);
    }

    public static String halt(String text) {
        return text == null || text.isEmpty() ? "HALT" : "HALT," + text;
    }
}
