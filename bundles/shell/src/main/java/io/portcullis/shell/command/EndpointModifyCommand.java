package io.portcullis.shell.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import java.util.List;
import java.util.Map;

/**
 * {@code vpn:endpoint-modify}: changes an endpoint's settings. The endpoint applies routes, DNS,
 * banner and split tunnel to live sessions; other changes restart it.
 */
@Command(scope = "vpn", name = "endpoint-modify",
        description = "Changes an endpoint's settings (--set key=value, --unset key for the default).")
@Service
public class EndpointModifyCommand extends EndpointSettingsCommand {

    @Argument(index = 0, name = "name", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String name;

    @Option(name = "--unset", multiValued = true, description = "A setting to return to its default; repeat for more.")
    @Completion(EndpointSettingCompleter.class)
    List<String> unset;

    @Override
    public Object execute() throws Exception {
        Map<String, String> settings = settings(unset == null ? List.of() : unset);
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("nothing to change: give --set key=value, --unset key or one of "
                    + "--protocol, --port, --listen, --client-cidr");
        }
        EndpointConfigurations configurations = new EndpointConfigurations(configurationAdmin);
        StringBuilder changes = new StringBuilder();
        try (EndpointConfigurations.Watch watch = new EndpointConfigurations.Watch(bundleContext,
                configurations.named(name).getPid())) {
            configurations.edit(name, properties -> settings.forEach((key, value) -> {
                Object before = value == null ? properties.remove(key) : properties.put(key, value);
                changes.append("\n  ").append(key).append(value == null
                        ? (before == null ? " was not set" : " back to its default (was " + before + ")")
                        : " = " + value + (before == null ? "" : " (was " + before + ")"));
            }));
            System.out.println("Updated endpoint " + name + ":" + changes);
            report(name, watch);
        }
        return null;
    }
}
