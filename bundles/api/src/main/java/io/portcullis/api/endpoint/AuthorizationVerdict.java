package io.portcullis.api.endpoint;

import io.portcullis.api.net.IpNetwork;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Why traffic of a user with {@code groups} to {@code destination} is allowed or not: the prefix
 * that decided (the longest one with rules that contains the destination), the rules of that
 * prefix, and the one that let it through.
 *
 * @param decidingNetwork empty when no rule's destination contains the address (default deny)
 * @param decidingRules   every rule of the deciding prefix
 * @param allowedBy       the rule that allowed it, when allowed
 * @param reason          one sentence an operator can read
 */
public record AuthorizationVerdict(boolean allowed, java.net.InetAddress destination, Set<String> groups,
                                   Optional<IpNetwork> decidingNetwork, List<AuthorizationRule> decidingRules,
                                   Optional<AuthorizationRule> allowedBy, String reason) {

    public AuthorizationVerdict {
        groups = Set.copyOf(groups);
        decidingRules = List.copyOf(decidingRules);
    }
}
