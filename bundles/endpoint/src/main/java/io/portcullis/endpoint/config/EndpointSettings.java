package io.portcullis.endpoint.config;

import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.Route;
import io.portcullis.api.net.IpNetwork;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;

/**
 * An endpoint's configuration after validation: every value checked, paths resolved against the
 * Karaf home. A refusal names the setting and says why, and nothing of the endpoint starts.
 */
public record EndpointSettings(
        String endpointId,
        String transportProtocol,
        InetSocketAddress listen,
        IpNetwork clientCidrBlock,
        Path serverCertificate,
        Path serverKey,
        Path clientRootCertificateChain,
        Optional<Path> clientCertificateRevocationList,
        ControlChannelProtection controlChannelProtection,
        Optional<Path> tlsCryptKey,
        List<String> authentication,
        String routing,
        List<Route> routes,
        List<AuthorizationRule> authorizationRules,
        boolean splitTunnel,
        Optional<IpNetwork> clientIpv6CidrBlock,
        Optional<String> connectionHandler,
        java.time.Duration connectionHandlerTimeout,
        List<String> dataCiphers,
        List<InetAddress> dnsServers,
        List<String> dnsSearchDomains,
        String clientLoginBanner,
        boolean sourceNat,
        Optional<String> interfaceName,
        int tunnelMtu,
        int clientSocketBufferBytes,
        int keepaliveIntervalSeconds,
        int keepaliveTimeoutSeconds,
        int renegotiateSeconds,
        java.time.Duration sessionTimeout,
        Path connectionLogDirectory,
        java.time.Duration connectionLogUpdate,
        long connectionLogMaxBytes,
        int connectionLogFiles) {

    public enum ControlChannelProtection {
        TLS_CRYPT, TLS_AUTH, NONE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static final Set<String> CIPHERS = Set.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305");

    /** Most routes an endpoint may have; enough for any site, small enough to push. */
    public static final int MAX_ROUTES = 5_000;
    /** Most authorization rules an endpoint may have. */
    public static final int MAX_RULES = 100_000;

    public static EndpointSettings from(String endpointId, EndpointConfig c, Path home) {
        return from(endpointId, c, Map.of(), home);
    }

    /**
     * @param properties the configuration's raw properties, for the numbered entries
     *                   ({@code authorizationRule.<n>}, {@code route.<n>}) that metatype cannot describe
     */
    public static EndpointSettings from(String endpointId, EndpointConfig c, Map<String, ?> properties, Path home) {
        checkTypes(properties);
        String transport = c.transportProtocol() == null ? "" : c.transportProtocol().trim().toLowerCase(Locale.ROOT);
        if (transport.isEmpty() || !transport.matches("[a-z0-9-]+")) {
            throw invalid("transportProtocol", "'" + c.transportProtocol() + "' is not a transport name such as udp or tcp");
        }
        if (c.vpnPort() < 1 || c.vpnPort() > 65535) {
            throw invalid("vpnPort", c.vpnPort() + " is not a port (1-65535)");
        }
        InetAddress listenAddress = literal("listenAddress", c.listenAddress());
        IpNetwork clients = network("clientCidrBlock", c.clientCidrBlock());
        if (!clients.isIpv4() || clients.prefixLength() < 16 || clients.prefixLength() > 29) {
            throw invalid("clientCidrBlock", clients + " must be an IPv4 network from /16 to /29");
        }
        ControlChannelProtection protection = switch (String.valueOf(c.controlChannelProtection()).trim().toLowerCase(Locale.ROOT)) {
            case "tls-crypt" -> ControlChannelProtection.TLS_CRYPT;
            case "tls-auth" -> ControlChannelProtection.TLS_AUTH;
            case "none" -> ControlChannelProtection.NONE;
            default -> throw invalid("controlChannelProtection",
                    "'" + c.controlChannelProtection() + "' is not one of tls-crypt, tls-auth, none");
        };
        List<String> authentication = list(c.authentication());
        if (authentication.isEmpty()) {
            throw invalid("authentication", "names no authenticator; use for example 'certificate'");
        }
        String routing = String.valueOf(c.routing()).trim();
        if (routing.isEmpty()) {
            throw invalid("routing", "names no routing engine; use for example 'tun'");
        }
        List<Route> routes = numbered(properties, Route.PROPERTY_PREFIX, Route::parse);
        if (routes.size() > MAX_ROUTES) {
            throw invalid("route.<n>", routes.size() + " routes; at most " + MAX_ROUTES);
        }
        Set<IpNetwork> routed = new java.util.HashSet<>();
        for (Route route : routes) {
            if (!routed.add(route.destination())) {
                throw invalid("route.<n>", "two routes for " + route.destination() + "; keep one");
            }
        }
        List<AuthorizationRule> rules = numbered(properties, AuthorizationRule.PROPERTY_PREFIX, AuthorizationRule::parse);
        if (rules.size() > MAX_RULES) {
            throw invalid("authorizationRule.<n>", rules.size() + " rules; at most " + MAX_RULES);
        }
        String v6 = c.clientIpv6CidrBlock() == null ? "" : c.clientIpv6CidrBlock().trim();
        Optional<IpNetwork> clientsV6 = Optional.empty();
        if (!v6.isEmpty()) {
            IpNetwork network = network("clientIpv6CidrBlock", v6);
            if (network.isIpv4() || network.prefixLength() < 64 || network.prefixLength() > 120) {
                throw invalid("clientIpv6CidrBlock", network + " must be an IPv6 network from /64 to /120");
            }
            if (network.size() < clients.size()) {
                throw invalid("clientIpv6CidrBlock", network + " is smaller than clientCidrBlock " + clients
                        + "; each client gets one address of each");
            }
            clientsV6 = Optional.of(network);
        }
        String handler = c.connectionHandler() == null ? "" : c.connectionHandler().trim();
        if (!handler.isEmpty() && !handler.matches("[A-Za-z0-9_.-]+")) {
            throw invalid("connectionHandler", "'" + handler + "' is not a plugin name (letters, digits, _ . -)");
        }
        if (c.connectionHandlerTimeoutSeconds() < 1 || c.connectionHandlerTimeoutSeconds() > 300) {
            throw invalid("connectionHandlerTimeoutSeconds", c.connectionHandlerTimeoutSeconds() + " is outside 1-300");
        }
        List<String> ciphers = new ArrayList<>();
        for (String cipher : list(c.dataCiphers())) {
            String upper = cipher.toUpperCase(Locale.ROOT);
            if (!CIPHERS.contains(upper)) {
                throw invalid("dataCiphers", "'" + cipher + "' is not supported; use " + String.join(", ", CIPHERS.stream().sorted().toList()));
            }
            ciphers.add(upper);
        }
        if (ciphers.isEmpty()) {
            throw invalid("dataCiphers", "names no cipher");
        }
        if (c.tunnelMtu() < 576 || c.tunnelMtu() > 9000) {
            throw invalid("tunnelMtu", c.tunnelMtu() + " is outside 576-9000");
        }
        if (c.clientSocketBufferBytes() != 0
                && (c.clientSocketBufferBytes() < 65536 || c.clientSocketBufferBytes() > 16 * 1024 * 1024)) {
            throw invalid("clientSocketBufferBytes", c.clientSocketBufferBytes()
                    + " is outside 65536-16777216 bytes (0 pushes nothing: clients keep their OS default)");
        }
        if (c.keepaliveIntervalSeconds() < 1 || c.keepaliveTimeoutSeconds() < 2 * c.keepaliveIntervalSeconds()) {
            throw invalid("keepaliveTimeoutSeconds", "must be at least twice keepaliveIntervalSeconds ("
                    + c.keepaliveIntervalSeconds() + " s), and the interval at least 1 s");
        }
        if (c.renegotiateSeconds() != 0 && c.renegotiateSeconds() < 10) {
            throw invalid("renegotiateSeconds", c.renegotiateSeconds() + " is below 10 s (0 disables)");
        }
        List<InetAddress> dns = new ArrayList<>();
        for (String server : list(c.dnsServers())) {
            dns.add(literal("dnsServers", server));
        }
        if (dns.size() > 2) {
            throw invalid("dnsServers", "names " + dns.size() + " servers; at most 2");
        }
        List<String> domains = list(c.dnsSearchDomains());
        for (String domain : domains) {
            if (!domain.matches("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
                throw invalid("dnsSearchDomains", "'" + domain + "' is not a domain name");
            }
        }
        String banner = c.clientLoginBanner() == null ? "" : c.clientLoginBanner().strip();
        if (banner.codePointCount(0, banner.length()) > 1400) {
            throw invalid("clientLoginBanner", "has " + banner.codePointCount(0, banner.length())
                    + " characters; at most 1400");
        }
        if (!Set.of(8, 10, 12, 24).contains(c.sessionTimeoutHours())) {
            throw invalid("sessionTimeoutHours", c.sessionTimeoutHours() + " is not one of 8, 10, 12, 24");
        }
        if (c.sessionTimeoutSeconds() < 0) {
            throw invalid("sessionTimeoutSeconds", c.sessionTimeoutSeconds() + " is negative (0 uses sessionTimeoutHours)");
        }
        java.time.Duration sessionTimeout = c.sessionTimeoutSeconds() > 0 ? java.time.Duration.ofSeconds(c.sessionTimeoutSeconds())
                : java.time.Duration.ofHours(c.sessionTimeoutHours());
        if (c.connectionLogUpdateMinutes() < 1 || c.connectionLogUpdateMinutes() > 1440) {
            throw invalid("connectionLogUpdateMinutes", c.connectionLogUpdateMinutes() + " is outside 1-1440");
        }
        if (c.connectionLogMaxBytes() < 4096) {
            throw invalid("connectionLogMaxBytes", c.connectionLogMaxBytes() + " is below 4096");
        }
        if (c.connectionLogFiles() < 0 || c.connectionLogFiles() > 1000) {
            throw invalid("connectionLogFiles", c.connectionLogFiles() + " is outside 0-1000");
        }
        String crl = c.clientCertificateRevocationList() == null ? "" : c.clientCertificateRevocationList().trim();
        String iface = c.interfaceName() == null ? "" : c.interfaceName().trim();
        if (!iface.isEmpty() && !iface.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw invalid("interfaceName", "'" + iface + "' is not a Linux interface name (1-15 letters, digits, _ . -)");
        }
        return new EndpointSettings(endpointId, transport, new InetSocketAddress(listenAddress, c.vpnPort()), clients,
                path("serverCertificate", c.serverCertificate(), home),
                path("serverKey", c.serverKey(), home),
                path("clientRootCertificateChain", c.clientRootCertificateChain(), home),
                crl.isEmpty() ? Optional.empty() : Optional.of(path("clientCertificateRevocationList", crl, home)),
                protection,
                protection == ControlChannelProtection.NONE ? Optional.empty()
                        : Optional.of(path("tlsCryptKey", c.tlsCryptKey(), home)),
                authentication, routing, List.copyOf(routes), List.copyOf(rules), c.splitTunnel(), clientsV6,
                handler.isEmpty() ? Optional.empty() : Optional.of(handler),
                java.time.Duration.ofSeconds(c.connectionHandlerTimeoutSeconds()), List.copyOf(ciphers), List.copyOf(dns),
                List.copyOf(domains), banner, c.sourceNat(),
                iface.isEmpty() ? Optional.empty() : Optional.of(iface), c.tunnelMtu(), c.clientSocketBufferBytes(),
                c.keepaliveIntervalSeconds(), c.keepaliveTimeoutSeconds(), c.renegotiateSeconds(), sessionTimeout,
                path("connectionLogDirectory", c.connectionLogDirectory(), home),
                java.time.Duration.ofMinutes(c.connectionLogUpdateMinutes()), c.connectionLogMaxBytes(),
                c.connectionLogFiles());
    }

    /**
     * Whether {@code next} differs from these settings only in what a running endpoint applies to
     * live sessions (rules, routes, pushed options, timeouts, log cadence, handler, CRL): then
     * nobody is disconnected by the change.
     */
    public boolean appliesLive(EndpointSettings next) {
        return next.equals(new EndpointSettings(endpointId, transportProtocol, listen, clientCidrBlock, serverCertificate,
                serverKey, clientRootCertificateChain, next.clientCertificateRevocationList, controlChannelProtection,
                tlsCryptKey, authentication, routing, next.routes, next.authorizationRules, next.splitTunnel,
                clientIpv6CidrBlock, next.connectionHandler, next.connectionHandlerTimeout, dataCiphers, next.dnsServers,
                next.dnsSearchDomains, next.clientLoginBanner, sourceNat, interfaceName, tunnelMtu,
                next.clientSocketBufferBytes, keepaliveIntervalSeconds, keepaliveTimeoutSeconds, renegotiateSeconds,
                next.sessionTimeout,
                connectionLogDirectory, next.connectionLogUpdate, connectionLogMaxBytes, connectionLogFiles));
    }

    /** The destinations of the route table, as the routing engine forwards to them. */
    public List<IpNetwork> routedNetworks() {
        return routes.stream().map(Route::destination).toList();
    }

    /**
     * Refuses a number or switch that is not one, naming the setting, before Declarative Services
     * converts it (which fails with a message that names neither the setting nor the value).
     */
    private static void checkTypes(Map<String, ?> properties) {
        for (java.lang.reflect.Method attribute : EndpointConfig.class.getDeclaredMethods()) {
            Object value = properties.get(attribute.getName());
            if (!(value instanceof String text)) {
                continue;
            }
            Class<?> type = attribute.getReturnType();
            String trimmed = text.trim();
            try {
                if (type == int.class) {
                    Integer.parseInt(trimmed);
                } else if (type == long.class) {
                    Long.parseLong(trimmed);
                }
            } catch (NumberFormatException e) {
                throw invalid(attribute.getName(), "'" + text + "' is not a whole number");
            }
            if (type == boolean.class && !trimmed.equalsIgnoreCase("true") && !trimmed.equalsIgnoreCase("false")) {
                throw invalid(attribute.getName(), "'" + text + "' is neither true nor false");
            }
        }
    }

    /** Entries {@code <prefix><n>}, ordered by n; a bad one is refused with its key and why. */
    private static <T> List<T> numbered(Map<String, ?> properties, String prefix,
                                        java.util.function.Function<String, T> parser) {
        TreeMap<Long, T> entries = new TreeMap<>();
        for (Map.Entry<String, ?> property : properties.entrySet()) {
            String key = property.getKey();
            if (!key.startsWith(prefix)) {
                continue;
            }
            long n;
            try {
                n = Long.parseLong(key.substring(prefix.length()));
            } catch (NumberFormatException e) {
                throw invalid(key, "is not " + prefix + "<number>");
            }
            if (n < 1) {
                throw invalid(key, "numbers start at 1");
            }
            try {
                entries.put(n, parser.apply(String.valueOf(property.getValue())));
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }
        return List.copyOf(entries.values());
    }

    private static IllegalArgumentException invalid(String setting, String why) {
        return new IllegalArgumentException(setting + ": " + why);
    }

    private static List<String> list(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static IpNetwork network(String setting, String value) {
        try {
            return IpNetwork.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(setting, e.getMessage());
        }
    }

    private static InetAddress literal(String setting, String value) {
        try {
            return IpNetwork.parseAddress(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage());
        }
    }

    private static Path path(String setting, String value, Path home) {
        if (value == null || value.isBlank()) {
            throw invalid(setting, "is empty; give a file path (relative paths resolve against the Karaf home)");
        }
        Path path = Path.of(value.trim());
        return path.isAbsolute() ? path : home.resolve(path).normalize();
    }
}
