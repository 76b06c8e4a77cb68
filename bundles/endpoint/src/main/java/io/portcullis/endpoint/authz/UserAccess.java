package io.portcullis.endpoint.authz;

import java.util.Set;

/**
 * A user's groups resolved against one {@link AuthorizationTable}: a bitset over the table's
 * group names, so the per-packet checks compare bits, never strings. Valid for its
 * {@link #table()} only; when the owner swaps in a new table it makes a new one from
 * {@link #groups()}. Immutable and thread-safe.
 */
public final class UserAccess {

    private final AuthorizationTable table;
    private final Set<String> groups;
    final long[] bits;

    UserAccess(AuthorizationTable table, Set<String> groups, long[] bits) {
        this.table = table;
        this.groups = groups;
        this.bits = bits;
    }

    /** The table this access was made for, and the only one that accepts it. */
    public AuthorizationTable table() {
        return table;
    }

    /** The user's groups as given, to make the access for another table. */
    public Set<String> groups() {
        return groups;
    }

    /** This access if it was made for {@code current}, else a new one for it. */
    public UserAccess forTable(AuthorizationTable current) {
        return current == table ? this : current.access(groups);
    }

    @Override
    public String toString() {
        return "UserAccess" + groups;
    }
}
