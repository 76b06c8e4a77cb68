package io.portcullis.shell.command;

import io.portcullis.api.endpoint.VpnEndpoint;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * {@code vpn:import-crl}: installs a certificate revocation list for an endpoint after checking that
 * the endpoint's client CA signed it. The certificate authenticator re-reads the file and ends the
 * sessions of revoked certificates.
 */
@Command(scope = "vpn", name = "import-crl",
        description = "Installs a CRL (PEM or DER) signed by the endpoint's client CA; revoked clients are disconnected.")
@Service
public class ImportCrlCommand implements Action {

    static final String CRL_SETTING = "clientCertificateRevocationList";

    @Argument(index = 0, name = "endpoint", required = true, description = "The endpoint (see vpn:endpoints).")
    @Completion(EndpointIdCompleter.class)
    String endpointId;

    @Argument(index = 1, name = "file", required = true, description = "The CRL, PEM or DER.")
    @Completion(FileCompleter.class)
    String file;

    @Reference
    BundleContext bundleContext;

    @Reference
    ConfigurationAdmin configurationAdmin;

    @Reference
    Session session;

    @Override
    public Object execute() throws Exception {
        Path source = ConsoleFiles.resolve(session, file);
        List<X509CRL> crls = read(source);
        Path caFile;
        Optional<Path> configured;
        try (RegisteredEndpoints endpoints = new RegisteredEndpoints(bundleContext)) {
            VpnEndpoint endpoint = endpoints.named(endpointId);
            caFile = endpoint.clientRootCertificateChainFile();
            configured = endpoint.certificateRevocationListFile();
        }
        List<X509Certificate> cas = certificates(caFile);
        for (X509CRL crl : crls) {
            verify(crl, cas, source, caFile);
        }
        String relative = "etc/pki/" + endpointId + "-crl.pem";
        Path target = configured.orElseGet(() -> Path.of(System.getProperty("karaf.home", ".")).resolve(relative));
        if (!Files.isDirectory(target.toAbsolutePath().getParent())) {
            Files.createDirectories(target.toAbsolutePath().getParent(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        ConsoleFiles.writeAtomically(target, out -> {
            Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[]{'\n'});
            for (X509CRL crl : crls) {
                out.write("-----BEGIN X509 CRL-----\n".getBytes(StandardCharsets.US_ASCII));
                try {
                    out.write(base64.encode(crl.getEncoded()));
                } catch (CRLException e) {
                    throw new IOException(e);
                }
                out.write("\n-----END X509 CRL-----\n".getBytes(StandardCharsets.US_ASCII));
            }
        }, true);
        for (X509CRL crl : crls) {
            var revoked = crl.getRevokedCertificates();
            System.out.println("Imported the CRL of " + crl.getIssuerX500Principal().getName() + " into " + target + ": "
                    + (revoked == null ? 0 : revoked.size()) + " revoked certificate(s), next update "
                    + (crl.getNextUpdate() == null ? "not given" : crl.getNextUpdate().toInstant()));
            if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(Instant.now())) {
                System.err.println("Warning: its next update is in the past; import a newer CRL from the CA soon");
            }
        }
        if (configured.isEmpty()) {
            new EndpointConfigurations(configurationAdmin).edit(endpointId, p -> p.put(CRL_SETTING, relative));
            System.out.println("Endpoint " + endpointId + " now checks client certificates against it (" + CRL_SETTING
                    + " = " + relative + ")");
        }
        return null;
    }

    private static List<X509CRL> read(Path source) {
        Collection<? extends CRL> found;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(source), 1 << 16)) {
            found = CertificateFactory.getInstance("X.509").generateCRLs(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(source + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " cannot be read: " + e.getMessage());
        } catch (CRLException | CertificateException e) {
            throw new IllegalArgumentException(source + " is not a PEM or DER X.509 CRL: " + e.getMessage());
        }
        List<X509CRL> crls = new ArrayList<>();
        for (CRL crl : found) {
            crls.add((X509CRL) crl);
        }
        if (crls.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no CRL (PEM -----BEGIN X509 CRL----- or DER)");
        }
        return crls;
    }

    private static List<X509Certificate> certificates(Path caFile) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(caFile))) {
            List<X509Certificate> cas = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                cas.add((X509Certificate) c);
            }
            return cas;
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot read the endpoint's client CA " + caFile + ": " + e.getMessage());
        }
    }

    /** The CRL must be signed by a CA the endpoint trusts for client certificates. */
    private void verify(X509CRL crl, List<X509Certificate> cas, Path source, Path caFile) {
        List<X509Certificate> issuers = cas.stream()
                .filter(ca -> ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())).toList();
        if (issuers.isEmpty()) {
            throw new IllegalArgumentException("the CRL in " + source + " is issued by " + crl.getIssuerX500Principal().getName()
                    + ", which is not a client CA of endpoint " + endpointId + " (" + caFile + " holds "
                    + String.join("; ", cas.stream().map(c -> c.getSubjectX500Principal().getName()).toList())
                    + "); import the CRL of the CA that signs the endpoint's client certificates");
        }
        for (X509Certificate issuer : issuers) {
            try {
                crl.verify(issuer.getPublicKey());
                return;
            } catch (GeneralSecurityException e) {
                // try the next CA of that name
            }
        }
        throw new IllegalArgumentException("the CRL in " + source + " names " + crl.getIssuerX500Principal().getName()
                + " as issuer but its signature does not verify with that CA's key in " + caFile
                + "; it was not signed by the endpoint's client CA (or was altered)");
    }
}
