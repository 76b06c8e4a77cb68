package io.portcullis.shell.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

import java.util.Map;

/** {@code vpn:endpoint-create}: a new endpoint, saved as etc/io.portcullis.endpoint-NAME.cfg. */
@Command(scope = "vpn", name = "endpoint-create",
        description = "Creates an endpoint (etc/io.portcullis.endpoint-NAME.cfg); settings not given keep their defaults.")
@Service
public class EndpointCreateCommand extends EndpointSettingsCommand {

    @Argument(index = 0, name = "name", required = true,
            description = "The new endpoint's name: 1 to 32 letters, digits, '-' or '_'.")
    String name;

    @Override
    public Object execute() throws Exception {
        Map<String, String> settings = settings(null);
        try (EndpointConfigurations.Watch watch = new EndpointConfigurations.Watch(bundleContext,
                EndpointConfigurations.pidOf(name))) {
            new EndpointConfigurations(configurationAdmin).create(name, settings);
            System.out.println("Created endpoint " + name + (System.getProperty("karaf.etc") == null ? ""
                    : " (etc/" + EndpointConfigurations.FACTORY_PID + "-" + name + ".cfg)")
                    + (settings.isEmpty() ? " with the default settings" : ", the other settings at their defaults:"));
            settings.forEach((key, value) -> System.out.println("  " + key + " = " + value));
            report(name, watch);
        }
        return null;
    }
}
