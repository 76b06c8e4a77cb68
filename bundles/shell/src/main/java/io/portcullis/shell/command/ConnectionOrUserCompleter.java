package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnConnection;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.BundleContext;

import java.util.List;
import java.util.stream.Stream;

/** Completes the users and the ids of live connections, across endpoints. */
@Service
public class ConnectionOrUserCompleter implements Completer {

    @Reference
    BundleContext bundleContext;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            List<VpnConnection> live = endpoints.all().stream().flatMap(e -> e.connections().stream()).toList();
            return new StringsCompleter(Stream.concat(live.stream().flatMap(c -> c.user().stream()),
                    live.stream().map(VpnConnection::id)).distinct().toList()).complete(session, commandLine, candidates);
        }
    }
}
