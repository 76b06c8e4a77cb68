package io.portcullis.auth.certificate;

import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.api.auth.Authenticator;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code certificate} authenticator: the client is who its TLS client certificate says, if that
 * certificate chains to a configured CA, is valid now, allows clientAuth and is not revoked. The
 * user's name is the subject's CN; its groups are the values of a configured subject attribute (OU
 * by default).
 * <p>
 * {@link #authenticate} does CPU work only and returns a completed stage. The CA and CRL files are
 * checked for changes on a timer; when a new CRL revokes a certificate of a live session, that
 * session's {@link AuthenticationResult.Accepted#revocation() revocation} stage completes with the
 * reason (on the timer's thread).
 * <p>
 * One instance serves every endpoint: the trust settings are global (see the bundle's report).
 */
@Component(
        service = Authenticator.class,
        immediate = true, // owns a file timer and the live-session watches: a lookup must not reset them
        configurationPid = "io.portcullis.auth.certificate",
        property = Authenticator.NAME_PROPERTY + "=" + CertificateAuthenticator.NAME)
@Designate(ocd = CertificateAuthenticatorConfig.class)
public class CertificateAuthenticator implements Authenticator {

    static final String NAME = "certificate";
    private static final Logger LOG = Logger.getLogger(CertificateAuthenticator.class.getName());

    private final CertificateAuthenticatorSettings settings;
    private final Clock clock;
    private final TrustFiles files;
    private final LiveSessions sessions = new LiveSessions();
    private final ScheduledExecutorService checker;

    @Activate
    public CertificateAuthenticator(CertificateAuthenticatorConfig config) {
        this(CertificateAuthenticatorSettings.from(config, CertificateAuthenticatorSettings.home()), Clock.systemUTC(), true);
    }

    /** @param watchFiles false in tests, which call {@link #checkFiles()} themselves */
    CertificateAuthenticator(CertificateAuthenticatorSettings settings, Clock clock, boolean watchFiles) {
        this.settings = settings;
        this.clock = clock;
        this.files = new TrustFiles(settings.caFile(), settings.crlFile(), clock);
        files.refresh();
        if (watchFiles) {
            checker = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "portcullis-auth-certificate-files");
                thread.setDaemon(true);
                return thread;
            });
            int interval = settings.crlCheckIntervalSeconds();
            checker.scheduleWithFixedDelay(this::checkFiles, interval, interval, TimeUnit.SECONDS);
        } else {
            checker = null;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<AuthenticationResult> authenticate(AuthenticationRequest request) {
        try {
            return CompletableFuture.completedFuture(decide(request));
        } catch (RuntimeException e) {
            // No CA, or a configured CRL that never loaded: the authenticator itself cannot decide.
            return CompletableFuture.failedFuture(e);
        }
    }

    private AuthenticationResult decide(AuthenticationRequest request) {
        TrustMaterial trust = files.current();
        ClientCertificateValidator.Verdict verdict =
                ClientCertificateValidator.validate(request.certificateChain(), trust, clock.instant());
        if (verdict instanceof ClientCertificateValidator.Verdict.Invalid invalid) {
            return new AuthenticationResult.Rejected(invalid.reason());
        }
        var valid = (ClientCertificateValidator.Verdict.Valid) verdict;
        X509Certificate leaf = valid.path().get(0);
        String who = " (" + ClientCertificateValidator.describe(leaf) + ")";
        Optional<String> commonName = SubjectNames.commonName(leaf.getSubjectX500Principal());
        if (commonName.isEmpty() || commonName.get().isBlank()) {
            return new AuthenticationResult.Rejected("certificate subject has no CN" + who);
        }
        if (hasControlCharacters(commonName.get())) {
            return new AuthenticationResult.Rejected("certificate CN contains control characters" + who);
        }
        Set<String> groups = new LinkedHashSet<>();
        settings.groupAttribute().ifPresent(attribute -> {
            for (String value : SubjectNames.values(leaf.getSubjectX500Principal(), attribute)) {
                if (!value.isBlank() && !hasControlCharacters(value)) {
                    groups.add(value);
                }
            }
        });
        AuthenticatedUser user = new AuthenticatedUser(commonName.get(), groups, attributes(leaf, valid.anchor()), NAME);

        CompletableFuture<String> revocation = sessions.watch(valid.path());
        if (files.current() != trust) {
            // A reload may have run between the check above and the watch: look again.
            sessions.revokeMatching(files.current().crls());
        }
        return new AuthenticationResult.Accepted(user, revocation);
    }

    /** Reloads changed files and ends the sessions a new CRL revokes. Runs on the timer. */
    void checkFiles() {
        try {
            if (files.refresh()) {
                int ended = sessions.revokeMatching(files.current().crls());
                if (ended > 0) {
                    LOG.info(() -> "crlFile: the new CRL revokes the certificates of " + ended + " live session(s)");
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "checking the CA and CRL files failed", e);
        }
    }

    /** For operators and tests: what is trusted now. */
    TrustMaterial trust() {
        return files.current();
    }

    /** For tests: certificates of live sessions being watched. */
    int watchedCertificates() {
        return sessions.size();
    }

    @Deactivate
    void deactivate() {
        if (checker != null) {
            checker.shutdownNow();
        }
        // Stages already handed out stay pending ("may never complete"); nothing watches them now.
        sessions.clear();
    }

    private static Map<String, String> attributes(X509Certificate leaf, X509Certificate anchor) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("certificate.serial", ClientCertificateValidator.hex(leaf));
        attributes.put("certificate.subject", leaf.getSubjectX500Principal().getName());
        attributes.put("certificate.issuer", leaf.getIssuerX500Principal().getName());
        attributes.put("certificate.ca", anchor.getSubjectX500Principal().getName());
        attributes.put("certificate.notAfter", leaf.getNotAfter().toInstant().toString());
        try {
            attributes.put("certificate.sha256",
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            LOG.log(Level.FINE, "no fingerprint for " + leaf.getSubjectX500Principal(), e);
        }
        return attributes;
    }

    private static boolean hasControlCharacters(String text) {
        return text.chars().anyMatch(Character::isISOControl);
    }
}
