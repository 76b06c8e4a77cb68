package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnEndpoint;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.List;
import java.util.TreeSet;

/** Completes the names of the endpoints: those running and those configured (one that refused its settings too). */
@Service
public class EndpointIdCompleter implements Completer {

    @Reference
    BundleContext bundleContext;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> names = new TreeSet<>(new EndpointConfigurations(configurationAdmin).names());
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            endpoints.all().stream().map(VpnEndpoint::id).forEach(names::add);
        }
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
