package io.portcullis.loadclient;

import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import io.portcullis.protocol.wrap.NoProtection;
import io.portcullis.protocol.wrap.TlsCrypt;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A protocol-level OpenVPN load client (issue 6): opens {@code --sessions} real UDP sessions
 * against a server (tls-crypt, TLS with a client certificate, key method 2, PUSH_REQUEST, data
 * keys), each from its own UDP socket, holds them with keepalive pings (optionally renegotiating
 * some first), ends them with explicit-exit-notify, and reports what it measured. See
 * {@link LoadOptions#USAGE}.
 */
public final class LoadClient {

    private LoadClient() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the client; returns the exit status (see {@link LoadOptions#USAGE}). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (LoadOptions.HelpRequested h) {
            out.print(LoadOptions.USAGE);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("load-client: " + e.getMessage());
            err.print(LoadOptions.USAGE);
            return 2;
        }
        String limits = checkLimits(options.sessions());
        if (limits != null) {
            err.println("load-client: " + limits);
            return 3;
        }
        List<TlsCredentials> credentials;
        ControlChannelProtection protection;
        LoadRun run;
        try {
            if (options.ecProvider().equals("bc")) {
                // before any key is loaded: keys and TLS then use it
                err.println("load-client: JCA providers " + EcProvider.preferBouncyCastle());
            }
            if (options.ca() != null) {
                Credentials.certificates(options.ca()); // a readable CA file, as a profile needs one
            }
            credentials = options.certDir() != null ? Credentials.loadDirectory(options.certDir())
                    : List.of(Credentials.load(options.cert(), options.key()));
            protection = options.tlsCrypt() == null ? NoProtection.INSTANCE
                    : TlsCrypt.forClient(Credentials.staticKey(options.tlsCrypt()));
            run = new LoadRun(options, credentials, protection, err);
        } catch (IOException | RuntimeException e) {
            err.println("load-client: " + e.getMessage());
            return 2;
        }
        CountDownLatch reported = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            run.stop();
            try {
                reported.await(30, TimeUnit.SECONDS); // let the run close its sockets and print what it has
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "load-client-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            LoadReport report = run.execute();
            out.print(options.json() ? report.toJson() + "\n" : report.toText());
            out.flush();
            boolean ok = !report.stopped() && run.fatal() == null && report.established() == options.sessions()
                    && report.lostDuringHold() == 0 && report.heldAtEnd() == report.established()
                    && report.renegotiations().completed() == options.renegotiations();
            return ok ? 0 : 1;
        } catch (IOException e) {
            err.println("load-client: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("load-client: interrupted");
            return 1;
        } finally {
            reported.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook is running
            }
        }
    }

    /**
     * Null when this process can open {@code sessions} UDP sockets with distinct source ports,
     * else what stands in the way and how to run it anyway (nothing is raised here).
     */
    static String checkLimits(int sessions) {
        long max = ProcSelf.maxOpenFiles();
        long open = ProcSelf.openFiles();
        long need = sessions + Math.max(0, open) + 64;
        if (max >= 0 && need > max) {
            return String.format("%d sessions need about %d file descriptors (one UDP socket each, %d open now, a"
                    + " margin of 64), but this process may open only %d (its RLIMIT_NOFILE; note that the JVM"
                    + " already raises its soft limit to the hard limit). Run it under a higher limit, e.g."
                    + " prlimit --nofile=%d:%d java -jar load-client.jar ...; or use fewer --sessions.",
                    sessions, need, open, max, need, need);
        }
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            long ports = Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1;
            if (sessions > ports) {
                return sessions + " sessions need as many source ports, but net.ipv4.ip_local_port_range ("
                        + range[0] + "-" + range[1] + ") holds " + ports + " in this network namespace";
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: the sockets will tell
        }
        return null;
    }
}
