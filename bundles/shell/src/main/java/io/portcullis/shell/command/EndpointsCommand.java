package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnEndpoint;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;

import java.net.InetSocketAddress;

/** {@code vpn:endpoints}: every configured endpoint, where it listens and whether it runs. */
@Command(scope = "vpn", name = "endpoints", description = "Lists the OpenVPN endpoints, where they listen and whether they run.")
@Service
public class EndpointsCommand implements Action {

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Endpoint");
        table.column("Transport");
        table.column("Listen");
        table.column("Client CIDR");
        table.column("Connections").alignRight();
        table.column("State");
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            for (VpnEndpoint endpoint : endpoints.all()) {
                InetSocketAddress listen = endpoint.listenAddress();
                table.addRow().addContent(endpoint.id(), endpoint.transportProtocol(),
                        listen.getAddress().getHostAddress() + ":" + listen.getPort(),
                        endpoint.clientCidrBlock(), endpoint.connections().size(), EndpointConfigurations.describe(endpoint));
            }
        }
        table.print(System.out);
        return null;
    }
}
