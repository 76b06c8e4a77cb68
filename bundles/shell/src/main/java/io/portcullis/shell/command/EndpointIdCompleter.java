package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnEndpoint;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.BundleContext;

import java.util.List;

/** Completes the ids of the configured endpoints. */
@Service
public class EndpointIdCompleter implements Completer {

    @Reference
    BundleContext bundleContext;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            return new StringsCompleter(endpoints.all().stream().map(VpnEndpoint::id).toList())
                    .complete(session, commandLine, candidates);
        }
    }
}
