package io.portcullis.shell.command;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.osgi.framework.BundleContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vpn:export-profile}: an {@code .ovpn} profile for the stock OpenVPN client, with the CA
 * and control-channel key inline, and the user's certificate and key when given. Printed, or
 * written owner-only with {@code --output}. The key file's content goes into the profile only,
 * never into a message.
 */
@Command(scope = "vpn", name = "export-profile",
        description = "Prints (or writes with --output, owner-only) an .ovpn profile the stock OpenVPN client imports as is.")
@Service
public class ExportProfileCommand implements Action {

    private static final Pattern CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----\\R[A-Za-z0-9+/=\\s]+?-----END CERTIFICATE-----");
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----\\R[A-Za-z0-9+/=:,\\-\\s]+?-----END \\1PRIVATE KEY-----");

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint clients connect to (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Option(name = "--client-cert", description = "The user's PEM client certificate, put inline (with --client-key).")
    @Completion(FileCompleter.class)
    String clientCert;

    @Option(name = "--client-key", description = "The user's PEM private key, put inline (with --client-cert).")
    @Completion(FileCompleter.class)
    String clientKey;

    @Option(name = "--remote", description = "Host name or address clients reach the appliance at "
            + "(default: the endpoint's listen address; required when it is 0.0.0.0 or ::).")
    String remote;

    @Option(name = "-o", aliases = "--output", description = "Write the profile to this file (owner-only) instead of printing it.")
    @Completion(FileCompleter.class)
    String output;

    // Karaf takes options only before the first argument; this lets them follow the endpoint too,
    // as in "vpn:export-profile main --output main.ovpn".
    @Argument(index = 1, name = "options", required = false, multiValued = true,
            description = "Any of the options below may also follow the endpoint.")
    @Completion(FileCompleter.class)
    List<String> trailing;

    @Reference
    BundleContext bundleContext;

    @Reference
    Session session;

    @Override
    public Object execute() throws IOException {
        parseTrailingOptions();
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("give both --client-cert and --client-key, or neither");
        }
        String profile;
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            profile = endpoints.named(endpointId).clientProfile(Optional.ofNullable(remote));
        }
        StringBuilder text = new StringBuilder(profile);
        if (clientCert != null) {
            text.append("<cert>\n").append(certificates(ConsoleFiles.resolve(session, clientCert))).append("</cert>\n");
            text.append("<key>\n").append(privateKey(ConsoleFiles.resolve(session, clientKey))).append("</key>\n");
        } else {
            text.append("# Add the user's client certificate and private key before use: <cert>...</cert> and "
                    + "<key>...</key> blocks (PEM), or cert/key lines naming the files.\n");
        }
        if (output == null) {
            System.out.print(text);
        } else {
            Path file = ConsoleFiles.resolve(session, output);
            try {
                ConsoleFiles.writeAtomically(file, out -> out.write(text.toString().getBytes(StandardCharsets.US_ASCII)), true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--output: " + e.getMessage());
            }
            System.out.println("Wrote the profile for endpoint " + endpointId + " to " + file + " (owner-only)"
                    + (clientCert == null ? "; add the user's certificate and key to it" : ""));
        }
        return null;
    }

    private void parseTrailingOptions() {
        Map<String, String> given = TrailingOptions.parse(trailing, Map.of("--client-cert", "--client-cert",
                "--client-key", "--client-key", "--remote", "--remote", "-o", "--output", "--output", "--output"));
        clientCert = merge("--client-cert", clientCert, given);
        clientKey = merge("--client-key", clientKey, given);
        remote = merge("--remote", remote, given);
        output = merge("--output", output, given);
    }

    private static String merge(String name, String before, Map<String, String> given) {
        String after = given.get(name);
        if (before != null && after != null) {
            throw new IllegalArgumentException(name + " is given twice");
        }
        return after != null ? after : before;
    }

    private static String certificates(Path file) {
        String text = read("--client-cert", file);
        StringBuilder pem = new StringBuilder();
        Matcher m = CERTIFICATE.matcher(text);
        while (m.find()) {
            pem.append(m.group()).append('\n');
        }
        if (pem.length() == 0) {
            throw new IllegalArgumentException("--client-cert: " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        try {
            CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(pem.toString().getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("--client-cert: " + file + " is not a valid certificate: " + e.getMessage());
        }
        return pem.toString();
    }

    /** The key block only; nothing of the file's content goes into an error. */
    private static String privateKey(Path file) {
        Matcher m = PRIVATE_KEY.matcher(read("--client-key", file));
        if (!m.find()) {
            throw new IllegalArgumentException("--client-key: " + file + " holds no PEM private key "
                    + "(-----BEGIN ... PRIVATE KEY-----)");
        }
        return m.group() + "\n";
    }

    private static String read(String option, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": " + file + " cannot be read as PEM text ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
