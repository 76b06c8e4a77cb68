package io.portcullis.shell.command;

import io.portcullis.api.endpoint.Route;
import io.portcullis.api.net.IpNetwork;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.ArrayList;
import java.util.List;

/** {@code vpn:route-delete}: removes the route to a network from an endpoint's route table. */
@Command(scope = "vpn", name = "route-delete", description = "Removes the route to a network from an endpoint's route table.")
@Service
public class RouteDeleteCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Argument(index = 1, name = "cidr", required = true, description = "The route's destination network.")
    String cidr;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        IpNetwork destination = IpNetwork.parse(cidr);
        List<Integer> removed = new ArrayList<>();
        new EndpointConfigurations(configurationAdmin).edit(endpointId, properties -> {
            List<String> all = new ArrayList<>();
            EndpointConfigurations.numbered(properties, Route.PROPERTY_PREFIX).forEach((n, value) ->
                    RoutesCommand.configured(value).ifPresent(r -> {
                        if (r.destination().equals(destination)) {
                            properties.remove(Route.PROPERTY_PREFIX + n);
                            removed.add(n);
                        } else {
                            all.add(r.destination().toString());
                        }
                    }));
            if (removed.isEmpty()) {
                throw new IllegalArgumentException("endpoint " + endpointId + " has no route to " + destination + "; "
                        + (all.isEmpty() ? "its route table is empty" : "it has routes to " + String.join(", ", all)));
            }
        });
        System.out.println("Deleted route #" + removed.get(0) + " to " + destination + " from endpoint " + endpointId);
        return null;
    }
}
