package io.portcullis.api.auth;

import java.util.Arrays;

/**
 * A password or one-time code. Its text is reachable only through {@link #reveal()}, so it does
 * not end up in a log line or an exception message by accident.
 */
public final class Secret {

    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    public static Secret of(char[] value) {
        return new Secret(value.clone());
    }

    public static Secret of(String value) {
        return new Secret(value.toCharArray());
    }

    /** A copy of the secret; the caller should wipe it after use. */
    public char[] reveal() {
        return value.clone();
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    /** Overwrites the secret in memory. */
    public void wipe() {
        Arrays.fill(value, '\0');
    }

    @Override
    public String toString() {
        return "******";
    }
}
