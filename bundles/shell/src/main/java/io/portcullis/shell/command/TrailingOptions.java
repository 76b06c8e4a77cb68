package io.portcullis.shell.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Options written after a command's arguments. Karaf reads options only before the first argument,
 * but operators type "vpn:log main --tail 50": commands collect what follows into a multi-valued
 * argument and read it here. An option takes a value ({@code --name value} or {@code --name=value})
 * unless it is a flag ({@code --force}).
 */
final class TrailingOptions {

    private TrailingOptions() {
    }

    /**
     * Options that take one value each.
     *
     * @param tokens what followed the arguments, or null
     * @param names  the accepted option names; aliases map to the same canonical name
     * @return canonical name to value
     */
    static Map<String, String> parse(List<String> tokens, Map<String, String> names) {
        Map<String, String> values = new LinkedHashMap<>();
        parse(tokens, names, Set.of()).forEach((name, given) -> values.put(name, single(name, null, given)));
        return values;
    }

    /**
     * Options that may repeat, and flags.
     *
     * @param flags the canonical names of the options that take no value; their value is "true"
     * @return canonical name to its values, in the order given
     */
    static Map<String, List<String>> parse(List<String> tokens, Map<String, String> names, Set<String> flags) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (tokens == null) {
            return values;
        }
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            int eq = token.indexOf('=');
            String name = token.startsWith("-") && eq > 0 ? token.substring(0, eq) : token;
            String canonical = names.get(name);
            if (canonical == null) {
                throw new IllegalArgumentException("unexpected '" + token + "' after the arguments; the options are "
                        + String.join(", ", names.keySet()));
            }
            String value;
            if (flags.contains(canonical)) {
                if (eq > 0 && token.startsWith("-")) {
                    throw new IllegalArgumentException(name + " takes no value");
                }
                value = "true";
            } else if (eq > 0 && token.startsWith("-")) {
                value = token.substring(eq + 1);
            } else if (i + 1 < tokens.size()) {
                value = tokens.get(++i);
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            values.computeIfAbsent(canonical, k -> new ArrayList<>()).add(value);
        }
        return values;
    }

    /** The value of a single-valued option given before the arguments ({@code before}) or after them. */
    static String single(String name, String before, List<String> after) {
        int count = (before == null ? 0 : 1) + (after == null ? 0 : after.size());
        if (count > 1) {
            throw new IllegalArgumentException(name + " is given twice");
        }
        return after != null && !after.isEmpty() ? after.get(0) : before;
    }

    /** Every value of a repeatable option, given before the arguments and after them. */
    static List<String> all(List<String> before, List<String> after) {
        List<String> all = new ArrayList<>(before == null ? List.of() : before);
        all.addAll(after == null ? List.of() : after);
        return all;
    }
}
