package io.portcullis.shell.command;

import io.portcullis.api.endpoint.AuthorizationRule;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code vpn:authorizations}: an endpoint's authorization rules, by number. */
@Command(scope = "vpn", name = "authorizations", description = "Lists an endpoint's authorization rules.")
@Service
public class AuthorizationsCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Option(name = "-g", aliases = "--group", description = "Only the rules that apply to this group: its own and all-users rules.")
    String group;

    // Karaf takes options only before the first argument; this lets --group follow the endpoint too.
    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "--group may also follow the endpoint.")
    List<String> trailing;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        String only = TrailingOptions.single("--group", group,
                TrailingOptions.parse(trailing, Map.of("-g", "--group", "--group", "--group"), Set.of()).get("--group"));
        ShellTable table = new ShellTable();
        table.column("#").alignRight();
        table.column("Destination");
        table.column("Grantee");
        table.column("Description");
        EndpointConfigurations.numbered(new EndpointConfigurations(configurationAdmin).properties(endpointId),
                AuthorizationRule.PROPERTY_PREFIX).forEach((n, value) -> {
            Optional<AuthorizationRule> rule = AuthorizeCommand.configured(value);
            if (rule.isEmpty()) {
                table.addRow().addContent(n, value, "", "(malformed: the endpoint refuses it)");
            } else if (only == null || rule.get().group().map(only::equals).orElse(true)) {
                table.addRow().addContent(n, rule.get().destination(), rule.get().grantee(), rule.get().description());
            }
        });
        table.print(System.out);
        return null;
    }
}
