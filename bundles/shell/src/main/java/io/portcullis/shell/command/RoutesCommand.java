package io.portcullis.shell.command;

import io.portcullis.api.endpoint.Route;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.Optional;

/** {@code vpn:routes}: an endpoint's route table, by number. */
@Command(scope = "vpn", name = "routes", description = "Lists an endpoint's route table.")
@Service
public class RoutesCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        ShellTable table = new ShellTable();
        table.column("#").alignRight();
        table.column("Destination");
        table.column("Target");
        table.column("Description");
        EndpointConfigurations.numbered(new EndpointConfigurations(configurationAdmin).properties(endpointId),
                Route.PROPERTY_PREFIX).forEach((n, value) -> {
            Optional<Route> route = configured(value);
            if (route.isPresent()) {
                table.addRow().addContent(n, route.get().destination(), route.get().target(), route.get().description());
            } else {
                table.addRow().addContent(n, value, "", "(malformed: the endpoint refuses it)");
            }
        });
        table.print(System.out);
        return null;
    }

    /** A route as configured; empty when the value is malformed (the endpoint reports those). */
    static Optional<Route> configured(String value) {
        try {
            return Optional.of(Route.parse(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
