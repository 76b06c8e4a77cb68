package io.portcullis.auth.certificate;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether a client's certificate chain is acceptable, and if not, says precisely why for the
 * operator's log. CPU work only. The checks, in order: a certificate was sent; it is a client
 * certificate (not a CA) in its validity period with the clientAuth extended key usage; it chains to
 * a configured CA; the JDK's PKIX validator accepts the path (signatures, validity, basic
 * constraints, key usage, name constraints, algorithm constraints); no certificate of the path is
 * revoked by a loaded CRL, and the leaf's issuer has a CRL when a CRL file is configured. Signatures
 * are verified with Bouncy Castle's provider, several times faster than the JDK's for EC keys (see
 * {@link BcVerifiedCertificate}).
 */
final class ClientCertificateValidator {

    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int MAX_PATH = 8;

    private ClientCertificateValidator() {
    }

    sealed interface Verdict {
        /** {@code path} runs from the leaf up to, not including, {@code anchor}. */
        record Valid(List<X509Certificate> path, X509Certificate anchor) implements Verdict {
        }

        record Invalid(String reason) implements Verdict {
        }
    }

    /** The authenticator cannot decide at all (no CA, or no CRL though one is configured). */
    static final class UnavailableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }
    }

    static Verdict validate(List<X509Certificate> chain, TrustMaterial trust, Instant now) {
        if (trust.cas().isEmpty()) {
            throw new UnavailableException(trust.caProblem().orElse(trust.caSetting() + ": no CA certificate loaded"));
        }
        if (chain.isEmpty()) {
            return invalid("no client certificate was presented");
        }
        X509Certificate leaf = chain.get(0);
        String who = " (" + describe(leaf) + ")";
        if (leaf.getBasicConstraints() >= 0) {
            return invalid("a CA certificate was presented as a client certificate" + who);
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return invalid("certificate not valid before " + leaf.getNotBefore().toInstant() + who);
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            return invalid("certificate expired on " + leaf.getNotAfter().toInstant() + who);
        }
        Optional<String> usage = clientAuthProblem(leaf);
        if (usage.isPresent()) {
            return invalid(usage.get() + who);
        }

        // Up the chain the client sent until a configured CA signed the last certificate. The search
        // and PKIX work on BcVerifiedCertificates, so Bouncy Castle verifies every signature (once).
        List<X509Certificate> sent = BcVerifiedCertificate.all(chain);
        X509Certificate first = sent.get(0);
        List<X509Certificate> path = new ArrayList<>();
        path.add(first);
        X509Certificate current = first;
        X509Certificate anchor = null;
        String signatureProblem = null;
        while (anchor == null && path.size() <= MAX_PATH) {
            for (X509Certificate ca : trust.cas()) {
                if (ca.getSubjectX500Principal().equals(current.getIssuerX500Principal())) {
                    if (signedBy(current, ca)) {
                        anchor = ca;
                        break;
                    }
                    signatureProblem = "the signature of " + current.getSubjectX500Principal().getName()
                            + " does not verify with the configured CA " + ca.getSubjectX500Principal().getName();
                }
            }
            if (anchor != null) {
                break;
            }
            X509Certificate next = null;
            for (X509Certificate candidate : sent) {
                if (!path.contains(candidate)
                        && candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())
                        && signedBy(current, candidate)) {
                    next = candidate;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            path.add(next);
            current = next;
        }
        if (anchor == null) {
            if (signatureProblem != null) {
                return invalid(signatureProblem + who);
            }
            String top = current == first ? "" : " (the chain ends at " + current.getSubjectX500Principal().getName() + ")";
            return invalid("not issued by the configured CA: issuer " + current.getIssuerX500Principal().getName() + top + who);
        }

        try {
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            parameters.setRevocationEnabled(false); // the loaded CRLs are checked below, in memory
            parameters.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        } catch (CertPathValidatorException e) {
            String at = e.getIndex() >= 0 && e.getIndex() < path.size()
                    ? " at " + path.get(e.getIndex()).getSubjectX500Principal().getName() : "";
            return invalid("certificate chain rejected by PKIX validation" + at + ": " + e.getMessage() + who);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PKIX validation is not available: " + e.getMessage(), e);
        }

        path = path.stream().map(BcVerifiedCertificate::unwrap).toList(); // the client's own certificates

        if (trust.crlFile().isPresent()) {
            if (!trust.crlInForce()) {
                throw new UnavailableException(trust.crlProblem().orElse(trust.crlSetting() + ": no CRL loaded"));
            }
            for (int i = 0; i < path.size(); i++) {
                X509Certificate certificate = path.get(i);
                RevocationList crl = trust.crls().get(certificate.getIssuerX500Principal());
                if (crl == null) {
                    continue; // the leaf's case is refused below, once no revocation explains more
                }
                Optional<RevocationList.Revocation> revoked = crl.lookup(certificate.getSerialNumber());
                if (revoked.isPresent()) {
                    String subject = i == 0 ? "certificate" : "issuing CA certificate " + describe(certificate) + ",";
                    return invalid(subject + " " + revoked.get().describe() + " by the CRL of "
                            + crl.issuer().getName() + who);
                }
            }
            if (!trust.crls().containsKey(leaf.getIssuerX500Principal())) {
                return invalid("revocation cannot be checked: " + trust.crlSetting() + " has no CRL from the issuer "
                        + leaf.getIssuerX500Principal().getName() + who);
            }
        }
        return new Verdict.Valid(path, anchor);
    }

    /** Why the leaf may not be used for TLS client authentication, if it may not. */
    static Optional<String> clientAuthProblem(X509Certificate leaf) {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return Optional.of("no clientAuth extended key usage (the extension is malformed)");
        }
        if (usages == null) {
            return Optional.of("no clientAuth extended key usage (the certificate has no extended key usage extension)");
        }
        if (!usages.contains(CLIENT_AUTH)) {
            return Optional.of("no clientAuth extended key usage (it allows "
                    + usages.stream().map(ClientCertificateValidator::usageName).collect(Collectors.joining(", ")) + ")");
        }
        return Optional.empty();
    }

    static String describe(X509Certificate certificate) {
        return "subject " + certificate.getSubjectX500Principal().getName() + ", serial " + hex(certificate);
    }

    static String hex(X509Certificate certificate) {
        return "0x" + certificate.getSerialNumber().toString(16);
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static String usageName(String oid) {
        return switch (oid) {
            case "1.3.6.1.5.5.7.3.1" -> "serverAuth";
            case "1.3.6.1.5.5.7.3.2" -> "clientAuth";
            case "1.3.6.1.5.5.7.3.3" -> "codeSigning";
            case "1.3.6.1.5.5.7.3.4" -> "emailProtection";
            case "1.3.6.1.5.5.7.3.8" -> "timeStamping";
            case "1.3.6.1.5.5.7.3.9" -> "OCSPSigning";
            case "2.5.29.37.0" -> "anyExtendedKeyUsage";
            default -> oid;
        };
    }

    private static Verdict invalid(String reason) {
        return new Verdict.Invalid(reason);
    }
}
