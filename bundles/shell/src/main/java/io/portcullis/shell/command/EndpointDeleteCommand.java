package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.endpoint.VpnEndpoint;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code vpn:endpoint-delete}: removes an endpoint and its configuration file. */
@Command(scope = "vpn", name = "endpoint-delete",
        description = "Deletes an endpoint and its etc/ file; one with live connections only with --force.")
@Service
public class EndpointDeleteCommand implements Action {

    @Argument(index = 0, name = "name", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String name;

    @Option(name = "-f", aliases = "--force", description = "Delete it even with live connections (they are ended).")
    boolean force;

    // Karaf takes options only before the first argument; this lets --force follow the name too.
    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "--force may also follow the name.")
    List<String> trailing;

    @Reference
    BundleContext bundleContext;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public Object execute() throws Exception {
        force |= TrailingOptions.parse(trailing, Map.of("-f", "--force", "--force", "--force"), Set.of("--force"))
                .containsKey("--force");
        EndpointConfigurations configurations = new EndpointConfigurations(configurationAdmin);
        configurations.named(name);
        int ended = 0;
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            Optional<VpnEndpoint> endpoint = endpoints.all().stream().filter(e -> e.id().equals(name)).findFirst();
            List<VpnConnection> live = endpoint.map(VpnEndpoint::connections).orElse(List.of());
            if (!live.isEmpty() && !force) {
                throw new IllegalStateException("endpoint " + name + " has " + live.size() + " live connection"
                        + (live.size() == 1 ? "" : "s") + " (vpn:connections " + name + " lists them); "
                        + "vpn:endpoint-delete " + name + " --force ends them and deletes it");
            }
            for (VpnConnection c : live) {
                if (endpoint.get().disconnect(c.id(), "endpoint deleted by an operator")) {
                    ended++;
                }
            }
        }
        Optional<Path> file = configurations.delete(name);
        System.out.println("Deleted endpoint " + name + file.map(f -> " and " + f).orElse("")
                + (ended > 0 ? "; ended " + ended + " connection" + (ended == 1 ? "" : "s") : ""));
        return null;
    }
}
