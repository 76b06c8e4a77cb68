package io.portcullis.shell.command;

import io.portcullis.api.endpoint.Route;
import io.portcullis.api.net.IpNetwork;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code vpn:route-add}: a new entry of an endpoint's route table, {@code route.<n>} of its configuration. */
@Command(scope = "vpn", name = "route-add",
        description = "Adds a route: traffic from clients to a network goes out through a target; pushed to clients allowed to use it.")
@Service
public class RouteAddCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Argument(index = 1, name = "cidr", required = true, description = "The destination network, e.g. 10.1.0.0/16.")
    String cidr;

    @Option(name = "-t", aliases = "--target", description = "local (the appliance's routing table decides; the default), "
            + "an interface name, or a next-hop IP address.")
    String target;

    @Option(name = "-d", aliases = "--description", description = "What the route is for (one line, up to 255 characters).")
    String description;

    // Karaf takes options only before the first argument; this lets them follow the arguments too.
    @Argument(index = 2, name = "options", required = false, multiValued = true,
            description = "Any of the options may also follow the arguments.")
    List<String> trailing;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        Map<String, List<String>> after = TrailingOptions.parse(trailing, Map.of("-t", "--target", "--target", "--target",
                "-d", "--description", "--description", "--description"), Set.of());
        Route route = new Route(IpNetwork.parse(cidr), TrailingOptions.single("--target", target, after.get("--target")),
                TrailingOptions.single("--description", description, after.get("--description")));
        route.nextHop(); // refuses a malformed address now
        int[] number = new int[1];
        new EndpointConfigurations(configurationAdmin).edit(endpointId, properties -> {
            EndpointConfigurations.numbered(properties, Route.PROPERTY_PREFIX).forEach((n, value) ->
                    RoutesCommand.configured(value).filter(r -> r.destination().equals(route.destination())).ifPresent(r -> {
                        throw new IllegalArgumentException("endpoint " + endpointId + " has a route to " + route.destination()
                                + " already (#" + n + ", target " + r.target() + "); vpn:route-delete " + endpointId + " "
                                + route.destination() + " removes it");
                    }));
            number[0] = EndpointConfigurations.append(properties, Route.PROPERTY_PREFIX, route.format());
        });
        System.out.println("Added route #" + number[0] + " to " + route.destination() + " via " + route.target()
                + " on endpoint " + endpointId);
        return null;
    }
}
