package io.portcullis.loadclient;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * The command line of {@link LoadClient}.
 *
 * @param server the appliance's UDP address
 * @param ca the CA certificate (PEM); checked to parse, see {@link #USAGE} for what it is used for
 * @param cert client certificate (PEM, leaf first), with {@code key}; or null with {@code certDir}
 * @param key client private key (PEM: PKCS#8, or traditional EC/RSA)
 * @param certDir a directory of {@code <name>.crt} + {@code <name>.key} pairs, used round robin
 * @param tlsCrypt the tls-crypt key (OpenVPN static key V1), or null for no control-channel protection
 * @param sessions sessions to open
 * @param rate new handshakes started per second, 0 = as fast as {@code concurrency} allows
 * @param concurrency handshakes in flight at most
 * @param holdSeconds how long established sessions are held (with keepalive) after the ramp
 * @param renegotiations held sessions renegotiated (a client-initiated soft reset each) at the start
 *        of the hold, at most {@code concurrency} in flight; the hold's seconds follow them
 * @param timeoutSeconds per-handshake limit (the client's hand-window)
 * @param rampTimeoutSeconds no session is started later than this after the first one
 * @param threads I/O threads (each one NIO selector)
 * @param exitRate explicit-exit-notify messages per second at teardown, 0 = all at once
 * @param cipher the data cipher offered (IV_CIPHERS)
 * @param ecProvider "bc" (Bouncy Castle's provider for ECDSA and X25519, the default) or "jdk" (SunEC)
 * @param json print the report as one JSON object instead of a table
 */
public record LoadOptions(InetSocketAddress server, Path ca, Path cert, Path key, Path certDir, Path tlsCrypt,
        int sessions, double rate, int concurrency, int holdSeconds, int renegotiations, int timeoutSeconds,
        int rampTimeoutSeconds, int threads, double exitRate, String cipher, String ecProvider, boolean json) {

    public static final String USAGE = """
            usage: java -jar load-client.jar --server HOST:PORT (--cert FILE --key FILE | --cert-dir DIR)
                   [--ca FILE] [--tls-crypt FILE] [--sessions N] [--rate R] [--concurrency C] [--hold SECONDS]
                   [--renegotiate N] [--timeout SECONDS] [--ramp-timeout SECONDS] [--threads T] [--exit-rate R]
                   [--cipher AES-256-GCM] [--ec-provider bc|jdk] [--json]

              --server HOST:PORT   the appliance's UDP endpoint ([v6addr]:port for IPv6)
              --cert, --key        client certificate (PEM, leaf first) and key (PEM); all sessions use it
              --cert-dir DIR       instead: every NAME.crt with a NAME.key in DIR, used round robin
              --ca FILE            the CA certificate (PEM); only checked to parse: the protocol's
                                   ClientSession does not expose the server's chain, so it is not verified
              --tls-crypt FILE     tls-crypt key (omit for a server without control-channel protection)
              --sessions N         sessions to open (default 100); one UDP socket (source port) each
              --rate R             new handshakes started per second, 0 = as fast as possible (default 0)
              --concurrency C      handshakes in flight at most (default 64)
              --hold SECONDS       hold the established sessions this long after the ramp (default 0),
                                   answering the pushed keepalive (ping N) with data-channel pings
              --renegotiate N      at the start of the hold, renegotiate N of the held sessions (a
                                   client-initiated soft reset and a new TLS handshake each, spread
                                   over the I/O threads, at most --concurrency in flight; data keeps
                                   flowing on the old key meanwhile), then hold for --hold (default 0)
              --timeout SECONDS    per-handshake limit (default 60, a stock client's hand-window)
              --ramp-timeout S     start no session later than this after the first (default 600)
              --threads T          I/O threads, one NIO selector each (default: the number of cores)
              --exit-rate R        explicit-exit-notify messages per second at teardown, 0 = all at
                                   once (default 2000)
              --cipher NAME        the only data cipher offered in IV_CIPHERS (default AES-256-GCM)
              --ec-provider P      bc: Bouncy Castle's JCA provider does this client's ECDSA and X25519
                                   (default; several times cheaper than the JDK's SunEC, which leaves
                                   more of a shared machine to the server); jdk: SunEC
              --json               print the report as one JSON object (default: a table)

            Progress and phase lines go to stderr, the report to stdout. Exit status: 0 when every
            session was established (and held to the end of --hold) and every --renegotiate
            completed, 1 otherwise, 2 for a usage error, 3 when the file-descriptor limit is too
            low for --sessions.
            """;

    public LoadOptions {
        Objects.requireNonNull(server, "server");
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        if ((cert == null) == (certDir == null)) {
            throw new IllegalArgumentException("give either --cert and --key, or --cert-dir");
        }
        require(sessions >= 1, "--sessions must be at least 1");
        require(rate >= 0 && Double.isFinite(rate), "--rate must be 0 or more");
        require(concurrency >= 1, "--concurrency must be at least 1");
        require(holdSeconds >= 0, "--hold must be 0 or more");
        require(renegotiations >= 0 && renegotiations <= sessions, "--renegotiate must be 0..--sessions");
        require(timeoutSeconds >= 1, "--timeout must be at least 1");
        require(rampTimeoutSeconds >= 1, "--ramp-timeout must be at least 1");
        require(threads >= 1 && threads <= 64, "--threads must be 1..64");
        require(exitRate >= 0 && Double.isFinite(exitRate), "--exit-rate must be 0 or more");
        Objects.requireNonNull(cipher, "cipher");
        require("bc".equals(ecProvider) || "jdk".equals(ecProvider), "--ec-provider must be bc or jdk");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Parses the command line; throws {@link IllegalArgumentException} with a message for the user. */
    public static LoadOptions parse(String... args) {
        InetSocketAddress server = null;
        Path ca = null;
        Path cert = null;
        Path key = null;
        Path certDir = null;
        Path tlsCrypt = null;
        int sessions = 100;
        double rate = 0;
        int concurrency = 64;
        int hold = 0;
        int renegotiations = 0;
        int timeout = 60;
        int rampTimeout = 600;
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        double exitRate = 2000;
        String cipher = "AES-256-GCM";
        String ecProvider = "bc";
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            if (name.equals("--json")) {
                json = true;
                continue;
            }
            if (name.equals("--help") || name.equals("-h")) {
                throw new HelpRequested();
            }
            String v;
            if (inline != null) {
                v = inline;
            } else if (i + 1 < args.length) {
                v = args[++i];
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            switch (name) {
                case "--server" -> server = hostPort(v);
                case "--ca" -> ca = Path.of(v);
                case "--cert" -> cert = Path.of(v);
                case "--key" -> key = Path.of(v);
                case "--cert-dir" -> certDir = Path.of(v);
                case "--tls-crypt" -> tlsCrypt = Path.of(v);
                case "--sessions" -> sessions = integer(name, v);
                case "--rate" -> rate = number(name, v);
                case "--concurrency" -> concurrency = integer(name, v);
                case "--hold" -> hold = integer(name, v);
                case "--renegotiate" -> renegotiations = integer(name, v);
                case "--timeout" -> timeout = integer(name, v);
                case "--ramp-timeout" -> rampTimeout = integer(name, v);
                case "--threads" -> threads = integer(name, v);
                case "--exit-rate" -> exitRate = number(name, v);
                case "--cipher" -> cipher = v.toUpperCase(Locale.ROOT);
                case "--ec-provider" -> ecProvider = v.toLowerCase(Locale.ROOT);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (server == null) {
            throw new IllegalArgumentException("--server HOST:PORT is required");
        }
        return new LoadOptions(server, ca, cert, key, certDir, tlsCrypt, sessions, rate, concurrency, hold,
                renegotiations, timeout, rampTimeout, threads, exitRate, cipher, ecProvider, json);
    }

    /** {@code host:port}, {@code [v6]:port}; the host is resolved now. */
    static InetSocketAddress hostPort(String v) {
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0 || close + 1 >= v.length() || v.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("--server: expected [address]:port, got " + v);
            }
            host = v.substring(1, close);
            port = v.substring(close + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon <= 0 || v.indexOf(':') != colon) {
                throw new IllegalArgumentException("--server: expected host:port, got " + v);
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
        }
        int p = integer("--server port", port);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("--server: port out of range: " + p);
        }
        InetSocketAddress a = new InetSocketAddress(host, p);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("--server: cannot resolve " + host);
        }
        return a;
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not a whole number: " + v);
        }
    }

    private static double number(String name, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not a number: " + v);
        }
    }

    /** {@code --help}: print {@link #USAGE} and exit 0. */
    public static final class HelpRequested extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help");
        }
    }
}
