package io.portcullis.shell.command;

import io.portcullis.api.PluginKind;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.osgi.framework.BundleContext;

import java.util.List;

/**
 * {@code vpn:plugins}: every transport, authenticator and routing engine in the service registry,
 * read afresh on each call so that it shows bundles as they come and go.
 */
@Command(scope = "vpn", name = "plugins",
        description = "Lists the transports, authenticators and routing engines in the service registry.")
@Service
public class PluginsCommand implements Action {

    @Option(name = "-k", aliases = "--kind",
            description = "Only plugins of this kind: transport, authenticator or routing.")
    @Completion(PluginKindCompleter.class)
    String kind;

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() throws Exception {
        List<PluginKind> kinds = kind == null ? List.of(PluginKind.values()) : List.of(parseKind(kind));
        ShellTable table = new ShellTable();
        table.column("Kind");
        table.column("Name");
        table.column("Bundle ID").alignRight();
        table.column("Bundle");
        table.column("State");
        table.column("Details");
        for (PluginRow row : new PluginRegistryView(bundleContext).rows(kinds)) {
            table.addRow().addContent(row.kind().label(), row.name(), row.bundleId(), row.bundleName(),
                    row.bundleState(), row.details());
        }
        table.print(System.out);
        return null;
    }

    private static PluginKind parseKind(String label) {
        return PluginKind.fromLabel(label).orElseThrow(() -> new IllegalArgumentException(
                "unknown plugin kind '" + label + "': use transport, authenticator or routing"));
    }
}
