package io.portcullis.api.auth;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who a session belongs to, as authorization sees it.
 *
 * @param name          the user name (a certificate's CN, a directory account, a SAML NameID)
 * @param groups        the groups authorization rules are written against
 * @param attributes    further facts for logs and connection handlers (mail, certificate serial, ...)
 * @param authenticator the name of the authenticator that accepted this user last
 */
public record AuthenticatedUser(String name, Set<String> groups, Map<String, String> attributes,
                                String authenticator) {

    public AuthenticatedUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(authenticator, "authenticator");
        groups = Set.copyOf(groups);
        attributes = Map.copyOf(attributes);
    }

    /** This user with more groups, as a later authenticator of a chain adds them. */
    public AuthenticatedUser withGroups(Set<String> more, String by) {
        var all = new java.util.HashSet<>(groups);
        all.addAll(more);
        return new AuthenticatedUser(name, all, attributes, by);
    }
}
