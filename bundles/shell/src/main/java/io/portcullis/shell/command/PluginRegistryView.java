package io.portcullis.shell.command;

import io.portcullis.api.PluginKind;
import io.portcullis.api.transport.Transport;
import io.portcullis.api.transport.TransportBinding;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** Reads the plugin services from the registry, sorted by kind then name. */
final class PluginRegistryView {

    private final BundleContext context;

    PluginRegistryView(BundleContext context) {
        this.context = context;
    }

    List<PluginRow> rows(List<PluginKind> kinds) throws InvalidSyntaxException {
        List<PluginRow> rows = new ArrayList<>();
        for (PluginKind kind : kinds) {
            ServiceReference<?>[] refs = context.getAllServiceReferences(
                    kind.serviceType().getName(), "(" + kind.nameProperty() + "=*)");
            if (refs == null) {
                continue;
            }
            for (ServiceReference<?> ref : refs) {
                Bundle bundle = ref.getBundle();
                if (bundle == null) {
                    continue; // unregistered while we looked
                }
                rows.add(new PluginRow(kind, String.valueOf(ref.getProperty(kind.nameProperty())),
                        bundle.getBundleId(), bundle.getSymbolicName(), stateName(bundle.getState()),
                        details(kind, ref)));
            }
        }
        rows.sort(Comparator.comparing(PluginRow::kind).thenComparing(PluginRow::name)
                .thenComparingLong(PluginRow::bundleId));
        return rows;
    }

    /** For transports, where they listen; nothing for the others yet. */
    private String details(PluginKind kind, ServiceReference<?> ref) {
        if (kind != PluginKind.TRANSPORT) {
            return "";
        }
        Object service = context.getService(ref);
        try {
            if (!(service instanceof Transport transport)) {
                return "";
            }
            List<TransportBinding> bindings = transport.bindings();
            return bindings.isEmpty() ? "not listening"
                    : "listening on " + bindings.stream().map(b -> String.valueOf(b.localAddress()))
                    .collect(Collectors.joining(", "));
        } finally {
            if (service != null) {
                context.ungetService(ref);
            }
        }
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "Active";
            case Bundle.RESOLVED -> "Resolved";
            case Bundle.STARTING -> "Starting";
            case Bundle.STOPPING -> "Stopping";
            case Bundle.INSTALLED -> "Installed";
            case Bundle.UNINSTALLED -> "Uninstalled";
            default -> "Unknown";
        };
    }
}
