package io.portcullis.shell.command;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options written after a command's arguments. Karaf reads options only before the first argument,
 * but operators type "vpn:log main --tail 50": commands collect what follows into a multi-valued
 * argument and read it here. Each option takes a value ({@code --name value} or {@code --name=value}).
 */
final class TrailingOptions {

    private TrailingOptions() {
    }

    /**
     * @param tokens what followed the arguments, or null
     * @param names  the accepted option names; aliases map to the same canonical name
     * @return canonical name to value
     */
    static Map<String, String> parse(List<String> tokens, Map<String, String> names) {
        Map<String, String> values = new LinkedHashMap<>();
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
            if (eq > 0 && token.startsWith("-")) {
                value = token.substring(eq + 1);
            } else if (i + 1 < tokens.size()) {
                value = tokens.get(++i);
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            if (values.putIfAbsent(canonical, value) != null) {
                throw new IllegalArgumentException(name + " is given twice");
            }
        }
        return values;
    }
}
