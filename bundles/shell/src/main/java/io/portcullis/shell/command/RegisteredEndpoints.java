package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnEndpoint;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The endpoints in the service registry when it was made, sorted by id. Holds the services until
 * closed, so use it in a try-with-resources block.
 */
final class RegisteredEndpoints implements AutoCloseable {

    private final BundleContext context;
    private final List<ServiceReference<VpnEndpoint>> held = new ArrayList<>();
    private final List<VpnEndpoint> endpoints = new ArrayList<>();

    RegisteredEndpoints(BundleContext context) {
        this.context = context;
        try {
            for (ServiceReference<VpnEndpoint> ref : context.getServiceReferences(VpnEndpoint.class, null)) {
                VpnEndpoint endpoint = context.getService(ref);
                if (endpoint != null) {
                    held.add(ref);
                    endpoints.add(endpoint);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // a null filter is always valid
        }
        endpoints.sort(Comparator.comparing(VpnEndpoint::id));
    }

    List<VpnEndpoint> all() {
        return List.copyOf(endpoints);
    }

    @Override
    public void close() {
        held.forEach(context::ungetService);
        held.clear();
    }

    /** The endpoint called {@code id}, or an error that lists the ones there are. */
    VpnEndpoint named(String id) {
        List<VpnEndpoint> all = all();
        Optional<VpnEndpoint> found = all.stream().filter(e -> e.id().equals(id)).findFirst();
        return found.orElseThrow(() -> new IllegalArgumentException("no endpoint '" + id + "'; "
                + (all.isEmpty() ? "none is configured (vpn:endpoint-create adds one)"
                : "there are: " + String.join(", ", all.stream().map(VpnEndpoint::id).toList())
                + " (vpn:endpoints lists them)")));
    }
}
