package io.portcullis.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stock {@code openvpn} client, started in a client namespace with a generated profile that
 * holds just what a user's profile holds: client, dev tun, proto, remote, ca, cert, key,
 * tls-crypt, remote-cert-tls server, nobind (plus data-ciphers, reneg-sec and any extra lines when
 * a test asks). It runs with {@code --verb 3 --log <file>}.
 */
public final class OpenVpnClient implements AutoCloseable {

    private static final Pattern CONNECTED = Pattern.compile("Initialization Sequence Completed(.*)");
    private static final Pattern ADDRESS = Pattern.compile("net_addr_v4_add: ([0-9.]+)/([0-9]+) dev (\\S+)");
    private static final Pattern ADDRESS_V6 = Pattern.compile("net_addr_v6_add: ([0-9a-fA-F:]+)/([0-9]+) dev (\\S+)");
    private static final Pattern PUSH_MESSAGE = Pattern.compile("PUSH: Received control message: '(PUSH_REPLY,.*)'");
    private static final Pattern TUN_OPENED = Pattern.compile("TUN/TAP device (\\S+) opened");

    /**
     * A client profile.
     *
     * @param controlChannelKey tls-crypt (or tls-auth) key file, or null for none
     * @param dataCiphers       data-ciphers option, or empty for the client's default
     * @param renegSec          reneg-sec, or 0 for the default
     * @param extraLines        further profile lines, verbatim
     */
    public record Profile(Transport transport, String remote, int port, Path ca, Path cert, Path key,
                          ControlChannelProtection protection, Path controlChannelKey,
                          List<String> dataCiphers, int renegSec, List<String> extraLines) {

        public Profile {
            dataCiphers = List.copyOf(dataCiphers);
            extraLines = List.copyOf(extraLines);
        }

        /** A profile for {@code client} against the server started with {@code server}. */
        public static Profile forServer(VpnServerConfig server, TestPki.Credential client) {
            return new Profile(server.transport(), server.listenAddress(), server.port(), server.caCert(),
                    client.cert(), client.key(), server.protection(), server.controlChannelKey(), List.of(), 0, List.of());
        }

        public Profile withDataCiphers(List<String> ciphers) {
            return new Profile(transport, remote, port, ca, cert, key, protection, controlChannelKey, ciphers,
                    renegSec, extraLines);
        }

        public Profile withRenegSec(int seconds) {
            return new Profile(transport, remote, port, ca, cert, key, protection, controlChannelKey, dataCiphers,
                    seconds, extraLines);
        }

        public Profile withProtection(ControlChannelProtection p, Path keyFile) {
            return new Profile(transport, remote, port, ca, cert, key, p, keyFile, dataCiphers, renegSec, extraLines);
        }

        public Profile withExtraLines(String... lines) {
            List<String> all = new ArrayList<>(extraLines);
            all.addAll(List.of(lines));
            return new Profile(transport, remote, port, ca, cert, key, protection, controlChannelKey, dataCiphers,
                    renegSec, all);
        }

        public String text() {
            StringBuilder s = new StringBuilder();
            s.append("client\n");
            s.append("dev tun\n");
            s.append("proto ").append(transport.option()).append('\n');
            s.append("remote ").append(remote).append(' ').append(port).append('\n');
            s.append("ca ").append(ca).append('\n');
            s.append("cert ").append(cert).append('\n');
            s.append("key ").append(key).append('\n');
            switch (protection) {
                case TLS_CRYPT -> s.append("tls-crypt ").append(controlChannelKey).append('\n');
                case TLS_AUTH -> s.append("tls-auth ").append(controlChannelKey).append(" 1\n");
                case NONE -> { }
            }
            s.append("remote-cert-tls server\n");
            s.append("nobind\n");
            if (!dataCiphers.isEmpty()) {
                s.append("data-ciphers ").append(String.join(":", dataCiphers)).append('\n');
            }
            if (renegSec > 0) {
                s.append("reneg-sec ").append(renegSec).append('\n');
            }
            extraLines.forEach(l -> s.append(l).append('\n'));
            return s.toString();
        }
    }

    private final String namespace;
    private final ManagedProcess process;
    private final Path log;

    private OpenVpnClient(String namespace, ManagedProcess process, Path log) {
        this.namespace = namespace;
        this.process = process;
        this.log = log;
    }

    /** Writes {@code dir/<name>.ovpn} and starts the client in {@code namespace}; does not wait. */
    public static OpenVpnClient start(Processes processes, String namespace, String name, Profile profile, Path dir) {
        try {
            Files.createDirectories(dir);
            Path ovpn = dir.resolve(name + ".ovpn");
            Path log = dir.resolve(name + ".log");
            Files.writeString(ovpn, profile.text());
            Files.deleteIfExists(log);
            ManagedProcess p = processes.start("openvpn-client-" + name, namespace,
                    List.of("openvpn", "--config", ovpn.toString(), "--verb", "3", "--log", log.toString()));
            return new OpenVpnClient(namespace, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the client in {@code namespace} with a profile file as a user would have it (e.g. one
     * exported by the appliance), unmodified: {@code openvpn --config <file>}, logging to
     * {@code dir/<name>.log}; does not wait.
     */
    public static OpenVpnClient startWithConfigFile(Processes processes, String namespace, String name, Path ovpn, Path dir) {
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve(name + ".log");
            Files.deleteIfExists(log);
            ManagedProcess p = processes.start("openvpn-client-" + name, namespace,
                    List.of("openvpn", "--config", ovpn.toString(), "--verb", "3", "--log", log.toString()));
            return new OpenVpnClient(namespace, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for "Initialization Sequence Completed" (not "... With Errors"); throws with the log
     * tail on timeout or when the client exits first.
     */
    public OpenVpnClient awaitConnected(Duration timeout) {
        Matcher m = process.awaitLog(log, CONNECTED, timeout);
        if (m.group(1).contains("With Errors")) {
            throw new IllegalStateException("client connected with errors\n" + process.describe());
        }
        return this;
    }

    /** Waits for a log line matching {@code regex}; returns the match. */
    public Matcher awaitLog(String regex, Duration timeout) {
        return process.awaitLog(log, Pattern.compile(regex), timeout);
    }

    /** True once the log says the tunnel is up. */
    public boolean isConnected() {
        return CONNECTED.matcher(logText()).find();
    }

    /** The tunnel address the server gave this client (from the log: net_addr_v4_add). */
    public String address() {
        Matcher m = ADDRESS.matcher(logText());
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("no tunnel address in " + log);
        }
        return last;
    }

    /** The tunnel IPv6 address the server gave this client (from the log: net_addr_v6_add). */
    public String ipv6Address() {
        Matcher m = ADDRESS_V6.matcher(logText());
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("no tunnel IPv6 address in " + log);
        }
        return last;
    }

    /** How many times the tunnel came up (1 unless the client reconnected). */
    public long connectCount() {
        return CONNECTED.matcher(logText()).results().count();
    }

    /**
     * The options of the last PUSH_REPLY the client received, as the server wrote them (from the
     * verb 3 log line {@code PUSH: Received control message: 'PUSH_REPLY,...'}; a reply split with
     * {@code push-continuation 2} is joined, the continuation markers left out). Empty before any.
     */
    public List<String> pushedOptions() {
        List<String> last = new ArrayList<>();
        boolean complete = true;
        Matcher m = PUSH_MESSAGE.matcher(logText());
        while (m.find()) {
            if (complete) {
                last = new ArrayList<>();
            }
            complete = true;
            String[] options = m.group(1).split(",");
            for (int i = 1; i < options.length; i++) {
                String option = options[i].strip();
                if (option.equals("push-continuation 2")) {
                    complete = false;
                } else if (!option.startsWith("push-continuation ")) {
                    last.add(option);
                }
            }
        }
        return List.copyOf(last);
    }

    /** The TUN device name (tun0, tun1, ...). */
    public String tunDevice() {
        Matcher m = TUN_OPENED.matcher(logText());
        if (!m.find()) {
            throw new IllegalStateException("no TUN device in " + log);
        }
        return m.group(1);
    }

    public String namespace() {
        return namespace;
    }

    public ManagedProcess process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public String logText() {
        return Processes.read(log);
    }

    /** SIGKILL: the client vanishes without telling the server (no explicit-exit-notify). */
    public void kill() {
        process.kill();
    }

    /** SIGTERM: clean exit (over UDP the 2.6 client sends explicit-exit-notify). Returns the exit code. */
    public int stop() {
        return process.terminate(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        process.kill();
    }
}
