package io.portcullis.shell.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What vpn:endpoint-create and vpn:endpoint-modify share: the settings options, which may come
 * before or after the endpoint name.
 */
abstract class EndpointSettingsCommand implements Action {

    /** How long to wait for the endpoint to take up its configuration. */
    static final int AWAIT_SECONDS = 3;

    @Option(name = "--protocol", description = "Transport: udp or tcp (the transportProtocol setting).")
    @Completion(value = StringsCompleter.class, values = {"udp", "tcp"})
    String protocol;

    @Option(name = "--port", description = "Port clients connect to (vpnPort).")
    String port;

    @Option(name = "--listen", description = "IP address to listen on, 0.0.0.0 for all (listenAddress).")
    String listen;

    @Option(name = "--client-cidr", description = "IPv4 network client addresses are leased from (clientCidrBlock).")
    String clientCidr;

    @Option(name = "--set", multiValued = true, description = "key=value: any endpoint setting; repeat for more "
            + "(etc/io.portcullis.endpoint-main.cfg explains them).")
    @Completion(EndpointSettingCompleter.class)
    List<String> set;

    // Karaf takes options only before the first argument; this lets them follow the endpoint name too.
    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "Any of the options may also follow the endpoint name.")
    List<String> trailing;

    @Reference
    BundleContext bundleContext;

    @Reference
    ConfigurationAdmin configurationAdmin;

    /**
     * The settings the options give, from before and after the endpoint name.
     *
     * @param unset the keys of {@code --unset} given before the name, or null when the command has no --unset
     * @return setting to value, null for one to remove
     */
    Map<String, String> settings(List<String> unset) {
        Map<String, String> names = new LinkedHashMap<>();
        for (String option : List.of("--protocol", "--port", "--listen", "--client-cidr", "--set")) {
            names.put(option, option);
        }
        if (unset != null) {
            names.put("--unset", "--unset");
        }
        Map<String, List<String>> after = TrailingOptions.parse(trailing, names, Set.of());
        Map<String, String> settings = new LinkedHashMap<>();
        put(settings, "transportProtocol", TrailingOptions.single("--protocol", protocol, after.get("--protocol")));
        put(settings, "vpnPort", TrailingOptions.single("--port", port, after.get("--port")));
        put(settings, "listenAddress", TrailingOptions.single("--listen", listen, after.get("--listen")));
        put(settings, "clientCidrBlock", TrailingOptions.single("--client-cidr", clientCidr, after.get("--client-cidr")));
        EndpointConfigurations.parseSettings(TrailingOptions.all(set, after.get("--set")))
                .forEach((key, value) -> put(settings, key, value));
        if (unset != null) {
            for (String key : TrailingOptions.all(unset, after.get("--unset"))) {
                if (settings.containsKey(EndpointConfigurations.checkSetting(key))) {
                    throw new IllegalArgumentException(key + " is both set and unset");
                }
                settings.put(key, null);
            }
        }
        return settings;
    }

    private static void put(Map<String, String> settings, String key, String value) {
        if (value != null && settings.put(key, value) != null) {
            throw new IllegalArgumentException(key + " is given twice");
        }
    }

    /** Prints what became of the endpoint; an error when it refused its configuration. */
    static void report(String name, EndpointConfigurations.Watch watch) throws InterruptedException {
        EndpointConfigurations.Outcome outcome = watch.await(AWAIT_SECONDS);
        if (outcome.refused()) {
            throw new IllegalStateException("endpoint " + name + " is saved but " + outcome.description()
                    + "; correct it with vpn:endpoint-modify " + name + " --set key=value, or remove it with "
                    + "vpn:endpoint-delete " + name);
        }
        System.out.println("Endpoint " + name + ": " + outcome.description());
    }
}
