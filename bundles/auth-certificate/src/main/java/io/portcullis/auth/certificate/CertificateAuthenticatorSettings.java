package io.portcullis.auth.certificate;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The authenticator's configuration after validation. Every refusal names the setting and says why,
 * so that an operator who mistyped a value in etc/io.portcullis.auth.certificate.cfg knows what to fix.
 *
 * @param groupAttribute the subject attribute groups come from, if groups are wanted
 */
record CertificateAuthenticatorSettings(Path caFile, Optional<Path> crlFile, Optional<ASN1ObjectIdentifier> groupAttribute,
                                        int crlCheckIntervalSeconds) {

    static CertificateAuthenticatorSettings from(CertificateAuthenticatorConfig config, Path home) {
        String ca = config.caFile() == null ? "" : config.caFile().trim();
        if (ca.isEmpty()) {
            throw new IllegalArgumentException("caFile: is empty; name the PEM file of the CA certificate(s)");
        }
        Path caFile = resolve("caFile", ca, home);
        String crl = config.crlFile() == null ? "" : config.crlFile().trim();
        Optional<Path> crlFile = crl.isEmpty() ? Optional.empty() : Optional.of(resolve("crlFile", crl, home));

        String attribute = config.groupAttribute() == null ? "" : config.groupAttribute().trim();
        Optional<ASN1ObjectIdentifier> groupAttribute = Optional.empty();
        if (!attribute.isEmpty()) {
            try {
                groupAttribute = Optional.of(SubjectNames.attribute(attribute));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("groupAttribute: '" + attribute
                        + "' is not a known attribute name (OU, O, DC, ...) or dotted OID");
            }
        }
        int interval = config.crlCheckIntervalSeconds();
        if (interval < 1 || interval > 86400) {
            throw new IllegalArgumentException("crlCheckIntervalSeconds: " + interval + " is outside 1-86400");
        }
        return new CertificateAuthenticatorSettings(caFile, crlFile, groupAttribute, interval);
    }

    /** Karaf's home (karaf.home), or the working directory outside Karaf. */
    static Path home() {
        String karafHome = System.getProperty("karaf.home");
        return Path.of(karafHome != null && !karafHome.isBlank() ? karafHome : System.getProperty("user.dir"));
    }

    private static Path resolve(String setting, String value, Path home) {
        try {
            Path path = Path.of(value);
            return (path.isAbsolute() ? path : home.resolve(path)).normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(setting + ": '" + value + "' is not a valid path: " + e.getReason());
        }
    }
}
