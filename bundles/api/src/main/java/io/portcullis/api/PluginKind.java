package io.portcullis.api;

import io.portcullis.api.auth.Authenticator;
import io.portcullis.api.connect.ConnectionHandler;
import io.portcullis.api.routing.RoutingEngine;
import io.portcullis.api.transport.Transport;

import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of plugin an endpoint picks from the service registry. A plugin registers its
 * service interface with the kind's property set to its name, e.g. {@code portcullis.transport=udp},
 * so an endpoint selects plugins by configuration alone.
 */
public enum PluginKind {
    TRANSPORT(Transport.class, Transport.NAME_PROPERTY),
    AUTHENTICATOR(Authenticator.class, Authenticator.NAME_PROPERTY),
    ROUTING(RoutingEngine.class, RoutingEngine.NAME_PROPERTY),
    CONNECTION_HANDLER(ConnectionHandler.class, ConnectionHandler.NAME_PROPERTY);

    private final Class<?> serviceType;
    private final String nameProperty;

    PluginKind(Class<?> serviceType, String nameProperty) {
        this.serviceType = serviceType;
        this.nameProperty = nameProperty;
    }

    /** The service interface a plugin of this kind registers. */
    public Class<?> serviceType() {
        return serviceType;
    }

    /** The service property that carries the plugin's name. */
    public String nameProperty() {
        return nameProperty;
    }

    /** Lower-case label as operators type it: transport, authenticator, routing, connection-handler. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** An LDAP filter selecting the plugin of this kind called {@code name}. */
    public String filter(String name) {
        return "(" + nameProperty + "=" + name.replaceAll("([\\\\*()])", "\\\\$1") + ")";
    }

    public static Optional<PluginKind> fromLabel(String label) {
        for (PluginKind kind : values()) {
            if (kind.label().equalsIgnoreCase(label)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
