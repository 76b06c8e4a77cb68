package io.portcullis.endpoint;

import io.portcullis.api.auth.Authenticator;
import io.portcullis.api.connect.ConnectionHandler;
import io.portcullis.api.endpoint.AuthorizationRule;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.endpoint.Route;
import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.endpoint.VpnEndpoint;
import io.portcullis.api.net.IpNetwork;
import io.portcullis.api.routing.RoutingEngine;
import io.portcullis.api.transport.Transport;
import io.portcullis.endpoint.auth.AuthenticationChain;
import io.portcullis.endpoint.config.EndpointConfig;
import io.portcullis.endpoint.config.EndpointSettings;
import io.portcullis.endpoint.pki.CredentialFiles;
import io.portcullis.endpoint.pki.FirstBootPki;
import io.portcullis.endpoint.plugin.PluginDirectory;
import io.portcullis.endpoint.profile.ClientProfile;
import io.portcullis.endpoint.runtime.EndpointRuntime;
import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.session.ServerSessionConfig;
import io.portcullis.protocol.tls.ClientCertificatePolicy;
import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import io.portcullis.protocol.wrap.HmacAlgorithm;
import io.portcullis.protocol.wrap.KeyDirection;
import io.portcullis.protocol.wrap.NoProtection;
import io.portcullis.protocol.wrap.TlsAuth;
import io.portcullis.protocol.wrap.TlsCrypt;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One OpenVPN endpoint per factory configuration. It picks its transport, authenticators and routing
 * engine from the service registry by the names configured, starts when the transport and routing
 * engine are there, and restarts its runtime when either is replaced or comes back.
 */
@Component(
        configurationPid = "io.portcullis.endpoint",
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true,
        service = VpnEndpoint.class)
@Designate(ocd = EndpointConfig.class, factory = true)
public class OpenVpnEndpoint implements VpnEndpoint {

    private static final Logger LOG = Logger.getLogger(OpenVpnEndpoint.class.getName());

    private final PluginDirectory<Transport> transports = new PluginDirectory<>();
    private final PluginDirectory<Authenticator> authenticators = new PluginDirectory<>();
    private final PluginDirectory<RoutingEngine> routingEngines = new PluginDirectory<>();
    private final PluginDirectory<ConnectionHandler> connectionHandlers = new PluginDirectory<>();
    // Start, restart and stop happen one at a time, off the framework's threads.
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "portcullis-endpoint-lifecycle");
        t.setDaemon(true);
        return t;
    });
    private volatile EndpointSettings settings;
    private volatile ServerSessionConfig sessionConfig;
    private volatile EndpointRuntime runtime;
    private volatile boolean active;
    private volatile String notRunning = "starting";
    private volatile State state = State.WAITING_FOR_PLUGINS;
    private volatile String refusedChange;
    // The configuration itself was refused: the service stays registered, FAILED, saying why.
    private volatile boolean configurationRefused;

    @Activate
    void activate(EndpointConfig config, Map<String, Object> properties) throws Exception {
        String id = endpointId(properties);
        this.active = true;
        transports.onChange((name, service) -> pluginChanged("transport", name, settings.transportProtocol()));
        routingEngines.onChange((name, service) -> pluginChanged("routing engine", name, settings.routing()));
        if (accept(id, config, properties)) {
            lifecycle.execute(this::restart);
        }
    }

    /** Takes a whole configuration; false, with the endpoint FAILED and saying why, when it is refused. */
    private boolean accept(String id, EndpointConfig config, Map<String, Object> properties) throws Exception {
        EndpointSettings s;
        ServerSessionConfig sc;
        try {
            s = EndpointSettings.from(id, config, properties, home());
            firstBootPki(s);
            sc = sessionConfig(s);
        } catch (IllegalArgumentException e) {
            refuseConfiguration(id, e.getMessage());
            return false;
        }
        sessionConfig = sc;
        settings = s;
        configurationRefused = false;
        return true;
    }

    /**
     * Keeps an endpoint whose configuration is refused visible (vpn:endpoints shows it FAILED with
     * the setting and why) instead of letting it vanish from the registry; it shows the defaults
     * until a valid configuration arrives.
     */
    private void refuseConfiguration(String id, String why) {
        configurationRefused = true;
        settings = EndpointSettings.from(id, defaults(), Map.of(), home());
        notRunning = "configuration refused: " + why + " (fix etc/io.portcullis.endpoint-" + id
                + ".cfg or use vpn:endpoint-modify)";
        state = State.FAILED;
        LOG.severe(() -> "endpoint " + id + ": " + notRunning);
    }

    private static EndpointConfig defaults() {
        return (EndpointConfig) java.lang.reflect.Proxy.newProxyInstance(EndpointConfig.class.getClassLoader(),
                new Class<?>[]{EndpointConfig.class}, (proxy, method, args) ->
                        method.getName().equals("annotationType") ? EndpointConfig.class : method.getDefaultValue());
    }

    private static Path home() {
        return Path.of(System.getProperty("karaf.home", System.getProperty("user.dir")));
    }

    /**
     * A configuration change: rules, routes and pushed options apply to live sessions; anything
     * else (port, transport, client network, PKI, ...) restarts the endpoint, ending its sessions.
     * A refused change leaves the endpoint as it was and says why in its state detail.
     */
    @Modified
    void modified(EndpointConfig config, Map<String, Object> properties) throws Exception {
        EndpointSettings current = settings;
        if (configurationRefused) {
            if (accept(current.endpointId(), config, properties)) {
                LOG.info(() -> "endpoint " + current.endpointId() + ": configuration accepted");
                lifecycle.execute(this::restart);
            }
            return;
        }
        EndpointSettings next;
        try {
            next = EndpointSettings.from(current.endpointId(), config, properties, home());
        } catch (IllegalArgumentException e) {
            refuseChange(current.endpointId(), e.getMessage());
            return;
        }
        refusedChange = null;
        if (current.appliesLive(next)) {
            settings = next;
            lifecycle.execute(() -> {
                EndpointRuntime r = runtime;
                if (r != null) {
                    r.update(next);
                }
            });
            return;
        }
        firstBootPki(next);
        ServerSessionConfig nextSessionConfig;
        try {
            nextSessionConfig = sessionConfig(next);
        } catch (IllegalArgumentException e) {
            refuseChange(current.endpointId(), e.getMessage());
            return;
        }
        LOG.info(() -> "endpoint " + next.endpointId() + ": configuration changed beyond what live sessions can take; "
                + "restarting (" + connections().size() + " connection(s) end)");
        sessionConfig = nextSessionConfig;
        settings = next;
        lifecycle.execute(this::restart);
    }

    /** A change that cannot be taken: the endpoint goes on as it was, and says why in its state detail. */
    private void refuseChange(String id, String why) {
        refusedChange = "configuration change refused, still running the previous one: " + why;
        LOG.severe(() -> "endpoint " + id + ": " + refusedChange);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        active = false;
        lifecycle.execute(this::stopRuntime);
        lifecycle.shutdown();
        lifecycle.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Override
    public String id() {
        return settings.endpointId();
    }

    @Override
    public String transportProtocol() {
        return settings.transportProtocol();
    }

    @Override
    public InetSocketAddress listenAddress() {
        return settings.listen();
    }

    @Override
    public IpNetwork clientCidrBlock() {
        return settings.clientCidrBlock();
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public Optional<String> stateDetail() {
        String refused = refusedChange;
        if (state != State.RUNNING) {
            return Optional.of(refused == null ? notRunning : notRunning + "; " + refused);
        }
        return Optional.ofNullable(refused);
    }

    @Override
    public Optional<IpNetwork> clientIpv6CidrBlock() {
        return settings.clientIpv6CidrBlock();
    }

    @Override
    public boolean splitTunnel() {
        return settings.splitTunnel();
    }

    @Override
    public List<AuthorizationRule> authorizationRules() {
        return settings.authorizationRules();
    }

    @Override
    public List<Route> routes() {
        return settings.routes();
    }

    @Override
    public AuthorizationVerdict explainAuthorization(Set<String> groups, InetAddress destination) {
        EndpointRuntime r = runtime;
        if (r != null) {
            return r.explain(groups, destination);
        }
        // Not running: the same answer from the configured rules.
        EndpointSettings s = settings;
        return new io.portcullis.endpoint.runtime.TrafficPolicy(s.authorizationRules(), s.routes()).explain(groups, destination);
    }

    @Override
    public Optional<Path> certificateRevocationListFile() {
        return settings.clientCertificateRevocationList();
    }

    @Override
    public Path clientRootCertificateChainFile() {
        return settings.clientRootCertificateChain();
    }

    @Override
    public List<VpnConnection> connections() {
        EndpointRuntime r = runtime;
        return r == null ? List.of() : r.connections();
    }

    @Override
    public List<String> connectionLog(int count) {
        EndpointRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException("endpoint " + id() + " is not running (" + notRunning + "); its log is in "
                    + settings.connectionLogDirectory().resolve(id() + ".log"));
        }
        try {
            return r.connectionLog(count);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the connection log of " + id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean disconnect(String connectionId, String reason) {
        EndpointRuntime r = runtime;
        return r != null && r.disconnect(connectionId, reason);
    }

    @Override
    public String clientProfile(Optional<String> remoteHost) {
        return ClientProfile.forEndpoint(settings, remoteHost);
    }

    private void pluginChanged(String kind, String name, String wanted) {
        if (active && name.equals(wanted)) {
            LOG.info(() -> "endpoint " + settings.endpointId() + ": " + kind + " '" + name + "' changed in the registry");
            lifecycle.execute(this::restart);
        }
    }

    private void restart() {
        if (configurationRefused) {
            return; // stays FAILED with the reason until a valid configuration arrives
        }
        stopRuntime();
        if (!active) {
            return;
        }
        EndpointSettings s = settings;
        Optional<Transport> transport = transports.find(s.transportProtocol());
        Optional<RoutingEngine> routing = routingEngines.find(s.routing());
        if (transport.isEmpty() || routing.isEmpty()) {
            notRunning = "waits for " + (transport.isEmpty() ? "transport '" + s.transportProtocol() + "' " : "")
                    + (routing.isEmpty() ? "routing engine '" + s.routing() + "' " : "")
                    + "to appear in the service registry (see vpn:plugins)";
            state = State.WAITING_FOR_PLUGINS;
            LOG.warning(() -> "endpoint " + s.endpointId() + " " + notRunning);
            return;
        }
        EndpointRuntime started;
        try {
            started = new EndpointRuntime(s, sessionConfig, new AuthenticationChain(s.authentication(), authenticators),
                    connectionHandlers::find);
        } catch (java.io.IOException e) {
            notRunning = "could not open the connection log in " + s.connectionLogDirectory() + ": " + e.getMessage();
            state = State.FAILED;
            LOG.severe(() -> "endpoint " + s.endpointId() + " " + notRunning);
            return;
        }
        try {
            started.start(transport.get(), routing.get()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            runtime = started;
            state = State.RUNNING;
        } catch (Exception e) {
            started.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            notRunning = "could not start: " + cause.getMessage();
            state = State.FAILED;
            LOG.log(Level.SEVERE, "endpoint " + s.endpointId() + " could not start: " + cause.getMessage(), cause);
        }
    }

    private void stopRuntime() {
        EndpointRuntime r = runtime;
        runtime = null;
        state = State.WAITING_FOR_PLUGINS;
        notRunning = active ? "restarting" : "stopped";
        if (r != null) {
            r.close();
        }
    }

    private static String endpointId(Map<String, Object> properties) {
        Object explicit = properties.get("endpointId");
        if (explicit != null && !String.valueOf(explicit).isBlank()) {
            return String.valueOf(explicit).trim();
        }
        String pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        // Karaf names a factory configuration from etc/io.portcullis.endpoint-NAME.cfg "io.portcullis.endpoint~NAME".
        int tilde = pid.indexOf('~');
        if (tilde >= 0) {
            return pid.substring(tilde + 1);
        }
        int dot = pid.lastIndexOf('.');
        return dot >= 0 ? pid.substring(dot + 1) : pid;
    }

    private static void firstBootPki(EndpointSettings s) throws Exception {
        boolean created = new FirstBootPki(new SecureRandom()).ensure(new FirstBootPki.Files(
                s.clientRootCertificateChain(), s.serverCertificate(), s.serverKey(), s.tlsCryptKey()));
        if (created) {
            LOG.info(() -> "endpoint " + s.endpointId() + ": first start, created a CA, server certificate, tls-crypt key "
                    + "and a client certificate (client1) in " + s.serverCertificate().getParent());
        }
    }

    static ServerSessionConfig sessionConfig(EndpointSettings s) {
        TlsCredentials credentials = new TlsCredentials(
                CredentialFiles.certificates("serverCertificate", s.serverCertificate()),
                CredentialFiles.privateKey("serverKey", s.serverKey()));
        // Each session works on its own copy (replay state); this one is the template.
        ControlChannelProtection protection = switch (s.controlChannelProtection()) {
            case NONE -> NoProtection.INSTANCE;
            case TLS_CRYPT -> TlsCrypt.forServer(CredentialFiles.staticKey("tlsCryptKey", s.tlsCryptKey().orElseThrow()));
            case TLS_AUTH -> new TlsAuth(CredentialFiles.staticKey("tlsCryptKey", s.tlsCryptKey().orElseThrow()),
                    KeyDirection.NORMAL, HmacAlgorithm.SHA1);
        };
        List<AeadAlgorithm> ciphers = s.dataCiphers().stream()
                .map(name -> AeadAlgorithm.byOpenVpnName(name).orElseThrow()).toList();
        ServerSessionConfig config = new ServerSessionConfig(protection, credentials, ciphers, Duration.ofSeconds(60),
                Duration.ofSeconds(s.renegotiateSeconds()), Duration.ofSeconds(s.keepaliveIntervalSeconds()),
                Duration.ofSeconds(s.keepaliveTimeoutSeconds()));
        // With certificate sign-in a client without a certificate is refused by TLS itself.
        return s.authentication().contains("certificate")
                ? config.withClientCertificatePolicy(ClientCertificatePolicy.REQUIRED) : config;
    }

    // ---- plugins from the service registry ----------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + Transport.NAME_PROPERTY + "=*)")
    void bindTransport(Transport service, Map<String, Object> properties) {
        transports.add(name(properties, Transport.NAME_PROPERTY), service, ranking(properties), serviceId(properties));
    }

    void unbindTransport(Transport service, Map<String, Object> properties) {
        transports.remove(name(properties, Transport.NAME_PROPERTY), serviceId(properties));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + Authenticator.NAME_PROPERTY + "=*)")
    void bindAuthenticator(Authenticator service, Map<String, Object> properties) {
        authenticators.add(name(properties, Authenticator.NAME_PROPERTY), service, ranking(properties), serviceId(properties));
    }

    void unbindAuthenticator(Authenticator service, Map<String, Object> properties) {
        authenticators.remove(name(properties, Authenticator.NAME_PROPERTY), serviceId(properties));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + RoutingEngine.NAME_PROPERTY + "=*)")
    void bindRoutingEngine(RoutingEngine service, Map<String, Object> properties) {
        routingEngines.add(name(properties, RoutingEngine.NAME_PROPERTY), service, ranking(properties), serviceId(properties));
    }

    void unbindRoutingEngine(RoutingEngine service, Map<String, Object> properties) {
        routingEngines.remove(name(properties, RoutingEngine.NAME_PROPERTY), serviceId(properties));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + ConnectionHandler.NAME_PROPERTY + "=*)")
    void bindConnectionHandler(ConnectionHandler service, Map<String, Object> properties) {
        connectionHandlers.add(name(properties, ConnectionHandler.NAME_PROPERTY), service, ranking(properties),
                serviceId(properties));
    }

    void unbindConnectionHandler(ConnectionHandler service, Map<String, Object> properties) {
        connectionHandlers.remove(name(properties, ConnectionHandler.NAME_PROPERTY), serviceId(properties));
    }

    private static String name(Map<String, Object> properties, String key) {
        return String.valueOf(properties.get(key));
    }

    private static int ranking(Map<String, Object> properties) {
        return properties.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
    }

    private static long serviceId(Map<String, Object> properties) {
        return (Long) properties.get(Constants.SERVICE_ID);
    }
}
