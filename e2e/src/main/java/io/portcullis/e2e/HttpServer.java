package io.portcullis.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A static file server on a host of the private network ({@code python3 -m http.server} bound to
 * {@link TestNetwork#PRIVATE_HOST}, run in the private namespace), serving {@link #root()}, and
 * {@link #fetch} to download from it with curl inside a client namespace.
 */
public final class HttpServer implements AutoCloseable {

    public static final int DEFAULT_PORT = 8080;

    /** What curl reported: exit code (0 ok, 7 cannot connect, 28 timeout), HTTP status, bytes received. */
    public record Fetch(int curlExit, int httpStatus, long bytes, Path body, String stderr) {
        public boolean ok() {
            return curlExit == 0 && httpStatus == 200;
        }
    }

    private final Processes processes;
    private final String address;
    private final int port;
    private final Path root;
    private final ManagedProcess process;

    private HttpServer(Processes processes, String address, int port, Path root, ManagedProcess process) {
        this.processes = processes;
        this.address = address;
        this.port = port;
        this.root = root;
        this.process = process;
    }

    /** Starts the server on 10.0.0.10:8080 in the network's private namespace; returns once it listens. */
    public static HttpServer start(TestNetwork net, Path root) {
        return start(net.processes(), net.privateNamespace(), TestNetwork.PRIVATE_HOST, DEFAULT_PORT, root);
    }

    public static HttpServer start(Processes processes, String ns, String address, int port, Path root) {
        try {
            Files.createDirectories(root);
            Files.writeString(root.resolve("hello.txt"), "hello from the private network\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ManagedProcess p = processes.start("http-server", ns, List.of("/usr/bin/python3", "-u", "-m", "http.server",
                Integer.toString(port), "--bind", address, "--directory", root.toString()));
        Listening.awaitTcp(processes, ns, address, port, p, Duration.ofSeconds(15));
        return new HttpServer(processes, address, port, root, p);
    }

    public Path root() {
        return root;
    }

    public String url(String file) {
        return "http://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port + "/" + file;
    }

    public String address() {
        return address;
    }

    /**
     * The client address of every request served so far, in order (python's request log on
     * stderr: {@code <client address> - - [date] "GET ..."}): with no NAT between, a client's
     * tunnel address.
     */
    public List<String> requestSources() {
        List<String> sources = new java.util.ArrayList<>();
        for (String line : process.stderrText().split("\n")) {
            int dash = line.indexOf(" - - [");
            if (dash > 0) {
                sources.add(line.substring(0, dash).strip());
            }
        }
        return sources;
    }

    /** Writes {@code bytes} pseudo-random bytes to {@code root/name}; returns their SHA-256 (hex). */
    public String writeRandomFile(String name, long bytes) {
        return writeRandom(root.resolve(name), bytes);
    }

    /** Downloads {@code url} inside {@code ns} with curl to {@code dest}. Never throws for a network failure. */
    public static Fetch fetch(Processes processes, String ns, String url, Path dest, Duration timeout) {
        long secs = Math.max(1, timeout.toSeconds());
        // -g: no URL globbing, so an IPv6 literal in brackets is taken as is
        Processes.Result r = processes.run(ns, timeout.plusSeconds(10), "curl", "-sS", "-g", "--noproxy", "*",
                "--connect-timeout", Long.toString(Math.min(secs, 5)), "--max-time", Long.toString(secs),
                "-o", dest.toString(), "-w", "%{http_code} %{size_download}", url);
        String[] w = r.stdout().trim().split(" ");
        int status = w.length > 0 && !w[0].isEmpty() ? Integer.parseInt(w[0]) : 0;
        long size = w.length > 1 ? (long) Double.parseDouble(w[1]) : 0;
        return new Fetch(r.exitCode(), status, size, dest, r.stderr().strip());
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) {
        try (var in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String writeRandom(Path file, long bytes) {
        SplittableRandom rnd = new SplittableRandom(System.nanoTime());
        try (OutputStream out = Files.newOutputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (long left = bytes; left > 0; ) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = rnd.nextLong();
                    for (int j = 0; j < 8; j++) {
                        buf[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                int n = (int) Math.min(buf.length, left);
                out.write(buf, 0, n);
                md.update(buf, 0, n);
                left -= n;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.kill();
    }
}
