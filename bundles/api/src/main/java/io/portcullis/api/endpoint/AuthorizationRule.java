package io.portcullis.api.endpoint;

import io.portcullis.api.net.IpNetwork;

import java.util.Objects;
import java.util.Optional;

/**
 * One authorization rule of an endpoint: users of {@code group} (or all users, when empty) may
 * reach {@code destination}. Rules follow the managed client VPN's semantics: default deny; the
 * rules whose destination is the longest prefix containing a packet's address decide, and a user
 * passes if one of them names one of its groups or all users.
 * <p>
 * Stored in the endpoint's configuration as {@code authorizationRule.<n> = <cidr>|<who>|<description>}
 * where {@code who} is {@code group=<name>} or {@code all-users}, e.g.
 * {@code authorizationRule.1 = 10.1.0.0/16|group=engineering|Build servers}.
 */
public record AuthorizationRule(IpNetwork destination, Optional<String> group, String description) {

    /** Configuration keys of rules start with this, followed by a number. */
    public static final String PROPERTY_PREFIX = "authorizationRule.";
    public static final String ALL_USERS = "all-users";
    public static final int MAX_DESCRIPTION = 255;

    public AuthorizationRule {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(group, "group");
        description = description == null ? "" : description.strip();
        if (group.isPresent() && (group.get().isBlank() || group.get().contains("|") || !group.get().equals(group.get().strip()))) {
            throw new IllegalArgumentException("group '" + group.get()
                    + "' must be a non-empty name without '|' or surrounding spaces");
        }
        if (description.length() > MAX_DESCRIPTION || description.contains("\n")) {
            throw new IllegalArgumentException("description must be one line of at most " + MAX_DESCRIPTION + " characters");
        }
    }

    public boolean allUsers() {
        return group.isEmpty();
    }

    /** Who the rule lets through, as the configuration and {@code vpn:authorizations} write it. */
    public String grantee() {
        return group.map(g -> "group=" + g).orElse(ALL_USERS);
    }

    /** The rule as its configuration value. */
    public String format() {
        return destination + "|" + grantee() + "|" + description;
    }

    /**
     * Parses a configuration value, {@code <cidr>|group=<name>|<description>} or
     * {@code <cidr>|all-users|<description>}; the description may be left out.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static AuthorizationRule parse(String value) {
        String[] parts = value == null ? new String[0] : value.split("\\|", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("'" + value + "' is not <cidr>|group=<name>|<description> or "
                    + "<cidr>|all-users|<description>");
        }
        IpNetwork destination = IpNetwork.parse(parts[0]);
        String who = parts[1].strip();
        Optional<String> group;
        if (who.equalsIgnoreCase(ALL_USERS)) {
            group = Optional.empty();
        } else if (who.startsWith("group=")) {
            group = Optional.of(who.substring("group=".length()).strip());
        } else {
            throw new IllegalArgumentException("'" + who + "' in '" + value + "' is neither group=<name> nor all-users");
        }
        return new AuthorizationRule(destination, group, parts.length > 2 ? parts[2] : "");
    }
}
