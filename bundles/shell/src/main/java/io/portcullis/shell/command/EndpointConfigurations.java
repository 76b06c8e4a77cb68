package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnEndpoint;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The endpoints' configurations in Configuration Admin: one factory configuration of
 * {@code io.portcullis.endpoint} each, named like etc/io.portcullis.endpoint-NAME.cfg
 * (pid {@code io.portcullis.endpoint~NAME}). The commands only edit these; the endpoint applies
 * what changed, to live sessions where it can.
 */
final class EndpointConfigurations {

    static final String FACTORY_PID = "io.portcullis.endpoint";

    /** What {@code --set} and {@code --unset} accept: the endpoint's settings, as in etc/io.portcullis.endpoint-main.cfg. */
    static final List<String> SETTINGS = List.of(
            "transportProtocol", "vpnPort", "listenAddress", "clientCidrBlock", "clientIpv6CidrBlock",
            "serverCertificate", "serverKey", "clientRootCertificateChain", "clientCertificateRevocationList",
            "controlChannelProtection", "tlsCryptKey", "authentication", "connectionHandler",
            "connectionHandlerTimeoutSeconds", "routing", "splitTunnel", "dataCiphers", "dnsServers",
            "dnsSearchDomains", "clientLoginBanner", "sourceNat", "interfaceName", "tunnelMtu",
            "clientSocketBufferBytes", "keepaliveIntervalSeconds", "keepaliveTimeoutSeconds", "sessionTimeoutHours",
            "sessionTimeoutSeconds",
            "connectionLogDirectory", "connectionLogUpdateMinutes", "connectionLogMaxBytes", "connectionLogFiles",
            "renegotiateSeconds");

    static final String FILE_PROPERTY = "felix.fileinstall.filename";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,8}");
    // Read-modify-write of a configuration, one command at a time.
    private static final Object EDITS = new Object();

    private final ConfigurationAdmin configurationAdmin;

    EndpointConfigurations(ConfigurationAdmin configurationAdmin) {
        this.configurationAdmin = configurationAdmin;
    }

    /** The configured endpoint names, sorted. */
    List<String> names() {
        return all().stream().map(EndpointConfigurations::nameOf).sorted().toList();
    }

    Optional<Configuration> find(String name) {
        return all().stream().filter(c -> name.equals(nameOf(c))).findFirst();
    }

    /** The configuration of endpoint {@code name}, or an error that lists the ones there are. */
    Configuration named(String name) {
        return find(name).orElseThrow(() -> {
            List<String> names = names();
            return new IllegalArgumentException("no endpoint '" + name + "'; " + (names.isEmpty()
                    ? "none is configured (vpn:endpoint-create adds one)"
                    : "there are: " + String.join(", ", names) + " (vpn:endpoints lists them)"));
        });
    }

    /** The configuration's properties, as stored. */
    Map<String, Object> properties(String name) {
        return toMap(named(name).getProperties());
    }

    /**
     * Creates endpoint {@code name}. Its configuration is also written to etc/io.portcullis.endpoint-NAME.cfg,
     * where Karaf keeps it up to date from then on, as for a configuration that came from a file.
     *
     * @return the pid
     */
    String create(String name, Map<String, String> settings) throws IOException {
        checkName(name);
        synchronized (EDITS) {
            if (find(name).isPresent()) {
                throw new IllegalArgumentException("endpoint '" + name + "' exists already; vpn:endpoint-modify changes it");
            }
            Optional<File> file = Optional.ofNullable(System.getProperty("karaf.etc"))
                    .map(etc -> new File(etc, FACTORY_PID + "-" + name + ".cfg").getAbsoluteFile());
            if (file.isPresent() && file.get().exists()) {
                throw new IllegalArgumentException(file.get() + " exists but is not a configuration yet; "
                        + "wait a second, or remove that file");
            }
            Map<String, Object> properties = new LinkedHashMap<>(settings);
            // The same name Karaf's file installer gives the file; it then writes later updates to it.
            file.ifPresent(f -> properties.put(FILE_PROPERTY, f.toURI().toString()));
            Configuration configuration = configurationAdmin.getFactoryConfiguration(FACTORY_PID, name, "?");
            configuration.update(new Hashtable<>(properties));
            if (file.isPresent()) {
                writeCfg(file.get().toPath(), settings);
            }
            return configuration.getPid();
        }
    }

    /**
     * Reads the configuration of endpoint {@code name}, lets {@code change} edit its properties (or
     * refuse with an exception) and stores them.
     */
    void edit(String name, Consumer<Map<String, Object>> change) throws IOException {
        synchronized (EDITS) {
            Configuration configuration = named(name);
            Map<String, Object> properties = toMap(configuration.getProperties());
            change.accept(properties);
            configuration.update(new Hashtable<>(properties));
        }
    }

    /** Deletes the configuration of endpoint {@code name} and its etc/ file. @return the file removed, if any */
    Optional<Path> delete(String name) throws IOException {
        synchronized (EDITS) {
            Configuration configuration = named(name);
            Optional<Path> file = Optional.ofNullable(configuration.getProperties())
                    .map(p -> p.get(FILE_PROPERTY)).map(f -> Path.of(URI.create(String.valueOf(f))));
            configuration.delete();
            // Karaf's file installer removes it too, asynchronously; whichever comes second finds nothing.
            if (file.isPresent()) {
                Files.deleteIfExists(file.get());
            }
            return file;
        }
    }

    /** The entries {@code <prefix><n>} by n (a positive integer), e.g. the authorization rules. */
    static SortedMap<Integer, String> numbered(Map<String, Object> properties, String prefix) {
        SortedMap<Integer, String> entries = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(prefix) && NUMBER.matcher(key.substring(prefix.length())).matches()) {
                entries.put(Integer.parseInt(key.substring(prefix.length())), String.valueOf(value));
            }
        });
        return entries;
    }

    /** Adds {@code <prefix><n> = value} with n one above the highest, and returns n. */
    static int append(Map<String, Object> properties, String prefix, String value) {
        SortedMap<Integer, String> entries = numbered(properties, prefix);
        int number = entries.isEmpty() ? 1 : entries.lastKey() + 1;
        properties.put(prefix + number, value);
        return number;
    }

    /**
     * Parses {@code --set key=value} options. Only the endpoint's settings are accepted; whether a
     * value is valid is the endpoint's to say.
     */
    static Map<String, String> parseSettings(List<String> assignments) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set '" + assignment + "' is not key=value");
            }
            String key = checkSetting(assignment.substring(0, eq).strip());
            if (settings.put(key, assignment.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException(key + " is set twice");
            }
        }
        return settings;
    }

    static String checkSetting(String key) {
        if (!SETTINGS.contains(key)) {
            throw new IllegalArgumentException("unknown setting '" + key + "'; the settings are: " + String.join(", ", SETTINGS)
                    + (key.startsWith("authorizationRule") || key.startsWith("route.")
                    ? " (rules and routes have their own commands: vpn:authorize, vpn:route-add)" : ""));
        }
        return key;
    }

    /** What became of an endpoint after its configuration changed; no state when it has no service. */
    record Outcome(Optional<VpnEndpoint.State> state, String description) {
        /** Whether the endpoint refused its configuration or did not come up at all. */
        boolean refused() {
            return state.isEmpty() || state.get() == VpnEndpoint.State.FAILED;
        }
    }

    /** The pid of endpoint {@code name}'s configuration as the commands and Karaf create it. */
    static String pidOf(String name) {
        return FACTORY_PID + "~" + checkName(name);
    }

    static String checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid endpoint name: use 1 to 32 letters, "
                    + "digits, '-' or '_'");
        }
        return name;
    }

    /**
     * Watches the endpoint service of a configuration for the registration or update that a change
     * of the configuration brings; open it before making the change.
     */
    static final class Watch implements AutoCloseable {

        private final BundleContext context;
        private final String pid;
        private final CountDownLatch changed = new CountDownLatch(1);
        private final ServiceListener listener = event -> {
            if (event.getType() != ServiceEvent.UNREGISTERING) {
                changed.countDown();
            }
        };

        Watch(BundleContext context, String pid) {
            this.context = context;
            this.pid = pid;
            try {
                context.addServiceListener(listener, "(&(" + Constants.OBJECTCLASS + "=" + VpnEndpoint.class.getName()
                        + ")(" + Constants.SERVICE_PID + "=" + pid + "))");
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException("not a valid endpoint pid: " + pid);
            }
        }

        /**
         * Waits up to {@code seconds} for the endpoint to take up the change and leave its
         * transitional state, then says what its state is, as vpn:endpoints shows it.
         */
        Outcome await(int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            boolean applied = changed.await(seconds, TimeUnit.SECONDS);
            if (applied) {
                Thread.sleep(200); // an endpoint updated in place applies the change asynchronously
            }
            while (true) {
                boolean late = System.nanoTime() > deadline;
                ServiceReference<VpnEndpoint> ref = serviceOf(context, pid);
                VpnEndpoint endpoint = ref == null ? null : context.getService(ref);
                if (endpoint != null) {
                    try {
                        if (late || endpoint.state() != VpnEndpoint.State.WAITING_FOR_PLUGINS) {
                            return new Outcome(Optional.of(endpoint.state()), describe(endpoint) + (applied ? ""
                                    : " (it has not taken up the change within " + seconds + " s)"));
                        }
                    } finally {
                        context.ungetService(ref);
                    }
                } else if (late) {
                    return new Outcome(Optional.empty(), "no endpoint service after " + seconds
                            + " s: it may have refused its configuration (log:tail shows why)");
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() {
            context.removeServiceListener(listener);
        }
    }

    /** An endpoint's state as vpn:endpoints shows it, e.g. "waiting for plugins: waits for ...". */
    static String describe(VpnEndpoint endpoint) {
        return endpoint.state().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                + endpoint.stateDetail().map(d -> ": " + d).orElse("");
    }

    private static ServiceReference<VpnEndpoint> serviceOf(BundleContext context, String pid) {
        try {
            return context.getServiceReferences(VpnEndpoint.class, "(" + Constants.SERVICE_PID + "=" + pid + ")")
                    .stream().max(Comparator.naturalOrder()).orElse(null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("not a valid endpoint pid: " + pid);
        }
    }

    private List<Configuration> all() {
        try {
            Configuration[] found = configurationAdmin.listConfigurations(
                    "(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + FACTORY_PID + ")");
            return found == null ? List.of() : List.of(found);
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("cannot list the endpoint configurations: " + e.getMessage(), e);
        }
    }

    /** As the endpoint names itself: its endpointId property, else what follows '~' in the pid. */
    private static String nameOf(Configuration configuration) {
        Dictionary<String, Object> properties = configuration.getProperties();
        Object explicit = properties == null ? null : properties.get("endpointId");
        if (explicit != null && !String.valueOf(explicit).isBlank()) {
            return String.valueOf(explicit).strip();
        }
        String pid = configuration.getPid();
        return pid.substring(pid.indexOf('~') + 1);
    }

    private static Map<String, Object> toMap(Dictionary<String, Object> dictionary) {
        Map<String, Object> map = new LinkedHashMap<>();
        if (dictionary != null) {
            for (Enumeration<String> keys = dictionary.keys(); keys.hasMoreElements(); ) {
                String key = keys.nextElement();
                map.put(key, dictionary.get(key));
            }
        }
        return map;
    }

    /** In the file installer's format (ISO-8859-1, Java properties escapes), written whole or not at all. */
    private static void writeCfg(Path file, Map<String, String> settings) throws IOException {
        Properties properties = new Properties();
        properties.putAll(settings);
        ConsoleFiles.writeAtomically(file, out -> properties.store(out, null), false);
    }
}
