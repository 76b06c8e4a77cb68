package io.portcullis.routing.tun;

import io.portcullis.api.net.IpNetwork;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The host as it is: ip(8) for addresses and link state, nft(8) for NAT, /proc/sys for forwarding.
 * Commands run without a shell, with a time limit, from the calling thread (so in its network
 * namespace); their output is kept only for error messages.
 */
final class SystemHostNetwork implements HostNetwork {

    static final String CONFIG_FILE = "etc/io.portcullis.routing.tun.cfg";
    private static final long TIMEOUT_SECONDS = 10;
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    private final String ipCommand;
    private final String nftCommand;
    private final Path procSys;

    SystemHostNetwork(String ipCommand, String nftCommand) {
        this(ipCommand, nftCommand, Path.of("/proc/sys"));
    }

    SystemHostNetwork(String ipCommand, String nftCommand, Path procSys) {
        this.ipCommand = ipCommand;
        this.nftCommand = nftCommand;
        this.procSys = procSys;
    }

    @Override
    public void configureDevice(String device, int mtu, InetAddress ipv4, int ipv4Prefix,
                                InetAddress ipv6, int ipv6Prefix) throws IOException {
        String ip = resolve(ipCommand, "ipCommand", "iproute2");
        run(null, ip, "-4", "address", "add", ipv4.getHostAddress() + "/" + ipv4Prefix, "dev", device);
        if (ipv6 != null) {
            try {
                // nodad: the address is ours alone on a point-to-point device; no 1-2 s wait for DAD
                run(null, ip, "-6", "address", "add", ipv6.getHostAddress() + "/" + ipv6Prefix, "dev", device, "nodad");
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (is IPv6 disabled? see sysctl net.ipv6.conf.all.disable_ipv6)", e);
            }
        }
        run(null, ip, "link", "set", "dev", device, "mtu", Integer.toString(mtu), "up");
    }

    @Override
    public boolean enableForwarding(boolean ipv6) throws IOException {
        String key = ipv6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward";
        Path file = procSys.resolve(key.replace('.', '/'));
        try {
            if (Files.readString(file, StandardCharsets.US_ASCII).trim().equals("1")) {
                return false;
            }
            Files.writeString(file, "1\n", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException e) {
            throw new IOException("cannot turn on " + key + " (" + e.getMessage() + "): run 'sysctl -w " + key
                    + "=1' as root (a container needs --sysctl " + key + "=1), or set ipForwarding=false in "
                    + CONFIG_FILE + " if this appliance must not forward", e);
        }
    }

    @Override
    public void replaceRoute(IpNetwork destination, Optional<InetAddress> via, Optional<String> device) throws IOException {
        String ip = resolve(ipCommand, "ipCommand", "iproute2");
        List<String> command = new ArrayList<>(List.of(ip, destination.isIpv4() ? "-4" : "-6", "route", "replace",
                destination.toString()));
        via.ifPresent(hop -> command.addAll(List.of("via", hop.getHostAddress())));
        device.ifPresent(name -> command.addAll(List.of("dev", name)));
        command.addAll(List.of("metric", Integer.toString(ROUTE_METRIC), "proto", "static"));
        run(null, command.toArray(String[]::new));
    }

    @Override
    public void deleteRoute(IpNetwork destination) throws IOException {
        String ip = resolve(ipCommand, "ipCommand", "iproute2");
        try {
            run(null, ip, destination.isIpv4() ? "-4" : "-6", "route", "del", destination.toString(), "metric",
                    Integer.toString(ROUTE_METRIC), "proto", "static");
        } catch (IOException e) {
            if (!e.getMessage().contains("No such process")) { // already gone
                throw e;
            }
        }
    }

    @Override
    public void checkNftables() throws IOException {
        resolve(nftCommand, "nftCommand", "nftables");
    }

    @Override
    public void applyNftables(String script) throws IOException {
        String nft = resolve(nftCommand, "nftCommand", "nftables");
        run(script, nft, "-f", "-");
    }

    /** Runs nft with arguments (for tests and diagnostics) and returns what it printed. */
    String nft(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(resolve(nftCommand, "nftCommand", "nftables"));
        command.addAll(List.of(arguments));
        return run(null, command.toArray(String[]::new));
    }

    /** Finds a command by absolute path, in PATH, or in the sbin directories a service's PATH may lack. */
    static String resolve(String command, String setting, String debianPackage) throws IOException {
        if (command.contains("/")) {
            if (Files.isExecutable(Path.of(command))) {
                return command;
            }
            throw new IOException(command + " is not an executable file: install " + debianPackage
                    + " or fix " + setting + " in " + CONFIG_FILE);
        }
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, command);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        throw new IOException("the " + command + " command (" + debianPackage + ") was not found in PATH, /usr/sbin or "
                + "/sbin: install it (apt-get install " + debianPackage + ") or set " + setting + " in " + CONFIG_FILE);
    }

    private static String run(String stdin, String... command) throws IOException {
        String line = String.join(" ", command);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("'" + line + "' did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String output;
            try (InputStream out = process.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (process.exitValue() != 0) {
                throw new IOException("'" + line + "' failed (exit " + process.exitValue() + "): "
                        + (output.isEmpty() ? "no output" : output));
            }
            return output;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running '" + line + "'", e);
        }
    }
}
