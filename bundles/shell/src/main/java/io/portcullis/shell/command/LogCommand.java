package io.portcullis.shell.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

import java.util.List;
import java.util.Map;

/** {@code vpn:log}: the end of an endpoint's connection log, one JSON object per line. */
@Command(scope = "vpn", name = "log", description = "Prints the last entries of an endpoint's connection log (JSON, one per line).")
@Service
public class LogCommand implements Action {

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Option(name = "-n", aliases = "--tail", description = "How many entries, newest last (default 20).")
    int tail = 20;

    // Karaf takes options only before the first argument; this lets --tail follow the endpoint too.
    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "--tail may also follow the endpoint.")
    List<String> trailing;

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() {
        String given = TrailingOptions.parse(trailing, Map.of("-n", "--tail", "--tail", "--tail")).get("--tail");
        if (given != null) {
            try {
                tail = Integer.parseInt(given);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tail '" + given + "' is not a number");
            }
        }
        if (tail < 1 || tail > 100_000) {
            throw new IllegalArgumentException("--tail " + tail + " is outside 1-100000");
        }
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            endpoints.named(endpointId).connectionLog(tail).forEach(System.out::println);
        }
        return null;
    }
}
