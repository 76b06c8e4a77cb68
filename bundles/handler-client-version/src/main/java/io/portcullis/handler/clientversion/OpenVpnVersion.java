package io.portcullis.handler.clientversion;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An OpenVPN version as clients report it in IV_VER, reduced to its leading numeric components:
 * {@code 2.6.3} is 2.6.3, {@code 2.6_git} is 2.6.0, {@code 2.5.11} is 2.5.11 (newer than 2.5.9),
 * {@code 3.git::58b92569} and OpenVPN 3 Connect's {@code 3.git:released:...} are 3.0.0. Missing
 * components are 0; components after the third are ignored. A version whose first component does
 * not start with a digit is unknown ({@link #parse} returns empty).
 */
record OpenVpnVersion(int major, int minor, int patch) implements Comparable<OpenVpnVersion> {

    /** What an operator may write as a minimum: 1 to 3 numeric components. */
    private static final Pattern STRICT = Pattern.compile("\\d{1,9}(\\.\\d{1,9}){0,2}");

    /** More digits than this in one component is not a version anyone released. */
    private static final int MAX_DIGITS = 9;

    OpenVpnVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("negative version component: " + major + "." + minor + "." + patch);
        }
    }

    /**
     * The leading numeric components of a client-reported version, or empty when the first
     * component is not numeric (or a component has absurdly many digits).
     */
    static Optional<OpenVpnVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String value = text.strip();
        int[] parts = new int[3];
        int index = 0;
        int position = 0;
        while (index < parts.length && position < value.length()) {
            int start = position;
            while (position < value.length() && isAsciiDigit(value.charAt(position))) {
                position++;
            }
            int digits = position - start;
            if (digits == 0) {
                if (index == 0) {
                    return Optional.empty(); // "git", "v2.6", "": not a version
                }
                break; // "3.git:...": the numeric part ends here
            }
            if (digits > MAX_DIGITS) {
                return Optional.empty();
            }
            parts[index++] = Integer.parseInt(value, start, position, 10);
            if (position < value.length() && value.charAt(position) == '.') {
                position++; // next component
            } else {
                break; // "6_git", "3-beta", end of text
            }
        }
        if (index == 0) {
            return Optional.empty(); // blank
        }
        return Optional.of(new OpenVpnVersion(parts[0], parts[1], parts[2]));
    }

    /** An operator-written version: 1 to 3 dot-separated numbers, nothing else. */
    static Optional<OpenVpnVersion> parseStrict(String text) {
        if (text == null || !STRICT.matcher(text.strip()).matches()) {
            return Optional.empty();
        }
        return parse(text);
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    @Override
    public int compareTo(OpenVpnVersion other) {
        int result = Integer.compare(major, other.major);
        if (result == 0) {
            result = Integer.compare(minor, other.minor);
        }
        if (result == 0) {
            result = Integer.compare(patch, other.patch);
        }
        return result;
    }

    boolean isOlderThan(OpenVpnVersion other) {
        return compareTo(other) < 0;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
