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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code vpn:revoke-authorization}: removes the rule(s) letting a group, or all users, reach a network. */
@Command(scope = "vpn", name = "revoke-authorization",
        description = "Removes the authorization rule for a network and a group (or all users); live sessions lose access.")
@Service
public class RevokeAuthorizationCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Argument(index = 1, name = "cidr", required = true, description = "The rule's destination network.")
    String cidr;

    @Option(name = "-g", aliases = "--group", description = "The group the rule names.")
    String group;

    @Option(name = "--all-users", description = "The rule is for all users.")
    boolean allUsers;

    // Karaf takes options only before the first argument; this lets them follow the arguments too.
    @Argument(index = 2, name = "options", required = false, multiValued = true,
            description = "--group or --all-users may also follow the arguments.")
    List<String> trailing;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        Map<String, List<String>> after = TrailingOptions.parse(trailing, AuthorizeCommand.GRANTEE_OPTIONS, Set.of("--all-users"));
        AuthorizationRule rule = new AuthorizationRule(IpNetwork.parse(cidr),
                AuthorizeCommand.grantee(group, allUsers, after), "");
        List<Integer> removed = new ArrayList<>();
        new EndpointConfigurations(configurationAdmin).edit(endpointId, properties -> {
            List<String> forNetwork = new ArrayList<>();
            EndpointConfigurations.numbered(properties, AuthorizationRule.PROPERTY_PREFIX).forEach((n, value) ->
                    AuthorizeCommand.configured(value).filter(c -> c.destination().equals(rule.destination())).ifPresent(c -> {
                        if (c.group().equals(rule.group())) {
                            properties.remove(AuthorizationRule.PROPERTY_PREFIX + n);
                            removed.add(n);
                        } else {
                            forNetwork.add("#" + n + " " + c.grantee());
                        }
                    }));
            if (removed.isEmpty()) {
                throw new IllegalArgumentException("endpoint " + endpointId + " has no rule for " + rule.grantee() + " on "
                        + rule.destination() + "; " + (forNetwork.isEmpty() ? "it has no rule for that network"
                        : "its rules for that network are " + String.join(", ", forNetwork))
                        + " (vpn:authorizations " + endpointId + " lists them all)");
            }
        });
        System.out.println("Revoked rule #" + removed.stream().map(String::valueOf).reduce((a, b) -> a + ", #" + b).orElseThrow()
                + ": " + rule.grantee() + " may no longer reach " + rule.destination() + " through endpoint " + endpointId);
        return null;
    }
}
