package io.portcullis.shell.command;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.endpoint.VpnEndpoint;
import io.portcullis.api.net.IpNetwork;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code vpn:authz-explain}: whether a user may reach an address through an endpoint, which rule
 * decided and why, against the rules in force.
 */
@Command(scope = "vpn", name = "authz-explain",
        description = "Explains whether a connected user (or a set of groups) may reach an address, and which rule decides.")
@Service
public class AuthzExplainCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Argument(index = 1, name = "user-or-connection", required = true, description = "A connection id, or a user "
            + "name (its first live connection gives the groups); with --group it may be left out.")
    @Completion(ConnectionOrUserCompleter.class)
    String who;

    @Argument(index = 2, name = "ip", required = false, description = "The destination address, e.g. 10.1.2.3.")
    String ip;

    @Option(name = "-g", aliases = "--group", multiValued = true,
            description = "Explain for these groups instead of a live connection's; repeat for more.")
    List<String> groups;

    // Karaf takes options only before the first argument; this lets --group follow the arguments too.
    @Argument(index = 3, name = "options", required = false, multiValued = true,
            description = "--group may also follow the arguments.")
    List<String> trailing;

    @Reference
    BundleContext bundleContext;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        List<String> rest = new ArrayList<>();
        if (ip != null && ip.startsWith("-")) { // "<endpoint> <ip> --group g": what Karaf took for the ip is an option
            rest.add(ip);
            ip = null;
        }
        rest.addAll(trailing == null ? List.of() : trailing);
        List<String> given = TrailingOptions.all(groups, TrailingOptions.parse(rest,
                Map.of("-g", "--group", "--group", "--group"), Set.of()).get("--group"));
        if (ip == null) {
            if (given.isEmpty()) {
                throw new IllegalArgumentException("give the destination address: vpn:authz-explain " + endpointId
                        + " <user-or-connection> <ip>");
            }
            ip = who;
            who = null;
        }
        InetAddress destination = IpNetwork.parseAddress(ip);
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            VpnEndpoint endpoint = endpoints.named(endpointId);
            String subject;
            Set<String> userGroups;
            if (!given.isEmpty()) {
                userGroups = new TreeSet<>(given);
                subject = (who == null ? "a user" : who) + " with groups " + String.join(", ", userGroups);
            } else {
                VpnConnection connection = connectionOf(endpoint, who);
                userGroups = new TreeSet<>(connection.groups());
                subject = "user " + connection.user().orElseThrow() + " (connection " + connection.id() + ", "
                        + (userGroups.isEmpty() ? "no groups" : "groups " + String.join(", ", userGroups)) + ")";
            }
            AuthorizationVerdict verdict = endpoint.explainAuthorization(userGroups, destination);
            System.out.println((verdict.allowed() ? "ALLOWED: " : "DENIED: ") + subject + " to "
                    + destination.getHostAddress() + " through endpoint " + endpointId);
            System.out.println("Deciding network: " + verdict.decidingNetwork().map(String::valueOf)
                    .orElse("none (no rule's destination contains " + destination.getHostAddress() + ")"));
            if (!verdict.decidingRules().isEmpty()) {
                printRules(verdict);
            }
            System.out.println("Reason: " + verdict.reason());
        }
        return null;
    }

    /**
     * The rules of the deciding prefix, numbered as in vpn:authorizations; those that let one of the
     * groups through are marked.
     */
    private void printRules(AuthorizationVerdict verdict) {
        Map<Integer, String> numbered = EndpointConfigurations.numbered(
                new EndpointConfigurations(configurationAdmin).properties(endpointId), AuthorizationRule.PROPERTY_PREFIX);
        ShellTable table = new ShellTable();
        table.column("Lets in");
        table.column("#").alignRight();
        table.column("Destination");
        table.column("Grantee");
        table.column("Description");
        Set<Integer> shown = new LinkedHashSet<>();
        for (AuthorizationRule rule : verdict.decidingRules()) {
            Integer n = numbered.entrySet().stream().filter(e -> !shown.contains(e.getKey())
                    && AuthorizeCommand.parsesTo(e.getValue(), rule)).map(Map.Entry::getKey).findFirst().orElse(null);
            shown.add(n);
            boolean lets = verdict.allowedBy().filter(rule::equals).isPresent()
                    || rule.group().map(verdict.groups()::contains).orElse(true);
            table.addRow().addContent(lets ? "*" : "",
                    n == null ? "" : n, rule.destination(), rule.grantee(), rule.description());
        }
        table.print(System.out);
    }

    /** A live connection by id, or the first (earliest) of a user. */
    private static VpnConnection connectionOf(VpnEndpoint endpoint, String who) {
        List<VpnConnection> live = endpoint.connections();
        VpnConnection found = live.stream().filter(c -> c.id().equals(who)).findFirst()
                .orElseGet(() -> live.stream().filter(c -> c.user().filter(who::equals).isPresent())
                        .min(Comparator.comparing(VpnConnection::started)).orElse(null));
        if (found == null) {
            throw new IllegalArgumentException("'" + who + "' is neither a live connection of endpoint " + endpoint.id()
                    + " nor a user connected to it, so its groups are unknown; name the groups instead: "
                    + "vpn:authz-explain " + endpoint.id() + " <ip> --group <name> (vpn:connections lists who is connected)");
        }
        if (found.user().isEmpty()) {
            throw new IllegalArgumentException("connection " + who + " is still signing in, so its groups are unknown yet; "
                    + "try again in a moment, or name the groups with --group");
        }
        return found;
    }
}
