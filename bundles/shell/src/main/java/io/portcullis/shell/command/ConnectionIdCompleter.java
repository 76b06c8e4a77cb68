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

/** Completes the ids of live connections, across endpoints. */
@Service
public class ConnectionIdCompleter implements Completer {

    @Reference
    BundleContext bundleContext;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            return new StringsCompleter(endpoints.all().stream()
                .flatMap(e -> e.connections().stream()).map(VpnConnection::id).toList())
                    .complete(session, commandLine, candidates);
        }
    }
}
