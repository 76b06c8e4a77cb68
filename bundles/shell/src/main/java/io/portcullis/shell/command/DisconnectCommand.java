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

/** {@code vpn:disconnect}: ends one connection, or every connection of a user. */
@Command(scope = "vpn", name = "disconnect", description = "Ends a client connection (the client is told), or all of a user's.")
@Service
public class DisconnectCommand implements Action {

    @Argument(index = 0, name = "connection-id", required = false, description = "The connection to end (see vpn:connections).")
    @Completion(ConnectionIdCompleter.class)
    String connectionId;

    @Option(name = "-u", aliases = "--user", description = "End every connection of this user instead.")
    String user;

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() {
        if ((connectionId == null) == (user == null)) {
            throw new IllegalArgumentException("name either a connection id or --user <name> (vpn:connections lists them)");
        }
        int ended = 0;
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            for (VpnEndpoint endpoint : endpoints.all()) {
                for (VpnConnection c : endpoint.connections()) {
                    boolean match = connectionId != null ? c.id().equals(connectionId)
                            : c.user().filter(user::equals).isPresent();
                    if (match && endpoint.disconnect(c.id(), "disconnected by an operator")) {
                        System.out.println("Disconnected " + c.id() + c.user().map(u -> " (" + u + ")").orElse(""));
                        ended++;
                    }
                }
            }
        }
        if (ended == 0) {
            throw new IllegalArgumentException((connectionId != null ? "no live connection '" + connectionId + "'"
                    : "no live connection of user '" + user + "'") + "; vpn:connections lists them");
        }
        return null;
    }
}
