package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.endpoint.VpnEndpoint;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** {@code vpn:connections}: the live connections of one endpoint or of all. */
@Command(scope = "vpn", name = "connections", description = "Lists live client connections: user, addresses, start, traffic, cipher.")
@Service
public class ConnectionsCommand implements Action {

    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Argument(index = 0, name = "endpoint", required = false, description = "Only this endpoint's connections.")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() {
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            print(endpointId == null ? endpoints.all() : List.of(endpoints.named(endpointId)));
        }
        return null;
    }

    private static void print(List<VpnEndpoint> shown) {
        ShellTable table = new ShellTable();
        table.column("ID");
        table.column("Endpoint");
        table.column("User");
        table.column("Client IP");
        table.column("Device IP");
        table.column("Started");
        table.column("Bytes in").alignRight();
        table.column("Bytes out").alignRight();
        table.column("Cipher");
        for (VpnEndpoint endpoint : shown) {
            for (VpnConnection c : endpoint.connections()) {
                table.addRow().addContent(c.id(), c.endpointId(), c.user().orElse("(signing in)"), c.clientIp().orElse(""),
                        c.device().getAddress().getHostAddress() + ":" + c.device().getPort(),
                        STARTED.format(c.started()), c.ingressBytes(), c.egressBytes(), c.cipher().orElse(""));
            }
        }
        table.print(System.out);
    }
}
