package io.portcullis.shell.command;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.net.IpNetwork;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code vpn:authorize}: adds an authorization rule, {@code authorizationRule.<n>} of the endpoint's
 * configuration. The endpoint applies it to live sessions.
 */
@Command(scope = "vpn", name = "authorize",
        description = "Lets a group (or all users) reach a network through an endpoint: adds an authorization rule.")
@Service
public class AuthorizeCommand implements Action {

    /** The options of a rule's grantee, after the arguments too. */
    static final Map<String, String> GRANTEE_OPTIONS = Map.of("-g", "--group", "--group", "--group",
            "--all-users", "--all-users");

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Argument(index = 1, name = "cidr", required = true, description = "The destination network, e.g. 10.1.0.0/16.")
    String cidr;

    @Option(name = "-g", aliases = "--group", description = "The access group the rule lets through.")
    String group;

    @Option(name = "--all-users", description = "Let every user through instead of one group.")
    boolean allUsers;

    @Option(name = "-d", aliases = "--description", description = "What the rule is for (one line, up to 255 characters).")
    String description;

    // Karaf takes options only before the first argument; this lets them follow the arguments too.
    @Argument(index = 2, name = "options", required = false, multiValued = true,
            description = "Any of the options may also follow the arguments.")
    List<String> trailing;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        Map<String, String> names = new HashMap<>(GRANTEE_OPTIONS);
        names.put("-d", "--description");
        names.put("--description", "--description");
        Map<String, List<String>> after = TrailingOptions.parse(trailing, names, Set.of("--all-users"));
        AuthorizationRule rule = new AuthorizationRule(IpNetwork.parse(cidr), grantee(group, allUsers, after),
                TrailingOptions.single("--description", description, after.get("--description")));
        int[] number = new int[1];
        new EndpointConfigurations(configurationAdmin).edit(endpointId, properties -> {
            EndpointConfigurations.numbered(properties, AuthorizationRule.PROPERTY_PREFIX).forEach((n, value) -> {
                if (parsesTo(value, rule)) {
                    throw new IllegalArgumentException("endpoint " + endpointId + " already lets " + rule.grantee()
                            + " reach " + rule.destination() + " (rule #" + n + ")");
                }
            });
            number[0] = EndpointConfigurations.append(properties, AuthorizationRule.PROPERTY_PREFIX, rule.format());
        });
        System.out.println("Authorized " + rule.grantee() + " to reach " + rule.destination() + " through endpoint "
                + endpointId + " (rule #" + number[0] + ")");
        return null;
    }

    /** The grantee of {@code --group name} or {@code --all-users}, exactly one of them, before or after the arguments. */
    static Optional<String> grantee(String group, boolean allUsers, Map<String, List<String>> after) {
        String name = TrailingOptions.single("--group", group, after.get("--group"));
        boolean all = allUsers || after.containsKey("--all-users");
        if ((name == null) == !all) {
            throw new IllegalArgumentException("give exactly one of --group <name> and --all-users");
        }
        return Optional.ofNullable(name);
    }

    /** Whether a configured rule has the same destination and grantee; a malformed one has neither. */
    static boolean parsesTo(String value, AuthorizationRule rule) {
        return configured(value).filter(c -> c.destination().equals(rule.destination()) && c.group().equals(rule.group()))
                .isPresent();
    }

    /** A rule as configured; empty when the value is malformed (the endpoint reports those). */
    static Optional<AuthorizationRule> configured(String value) {
        try {
            return Optional.of(AuthorizationRule.parse(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
