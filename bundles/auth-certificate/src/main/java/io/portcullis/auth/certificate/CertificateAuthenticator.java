package io.portcullis.auth.certificate;

import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.api.auth.Authenticator;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * The CA and CRL are those the request's endpoint names in its
 * {@link AuthenticationRequest#endpointSettings() settings}
 * ({@value AuthenticationRequest#CLIENT_ROOT_CERTIFICATE_CHAIN} and
 * {@value AuthenticationRequest#CLIENT_CERTIFICATE_REVOCATION_LIST}); a request that names no CA is
 * checked against the configured {@code caFile} and {@code crlFile}. Each (CA file, CRL file) pair is
 * a {@link TrustSet}, read on the first request that names it (on the caller's thread: file and CPU
 * work, no waiting on anything else) and dropped when no request named it for {@link #IDLE} and no
 * live session depends on it. {@link #authenticate} returns a completed stage.
 * <p>
 * The files of every trust set are checked for changes on a timer; when a new CRL revokes a
 * certificate of a live session accepted against that set, the session's
 * {@link AuthenticationResult.Accepted#revocation() revocation} stage completes with the reason (on
 * the timer's thread).
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

    /** How long a trust set no request names and no live session uses is kept. */
    static final Duration IDLE = Duration.ofHours(1);

    private final CertificateAuthenticatorSettings settings;
    private final Clock clock;
    private final TrustSet.Key configuredKey;
    private final Map<TrustSet.Key, TrustSet> trustSets = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker;

    @Activate
    public CertificateAuthenticator(CertificateAuthenticatorConfig config) {
        this(CertificateAuthenticatorSettings.from(config, CertificateAuthenticatorSettings.home()), Clock.systemUTC(), true);
    }

    /** @param watchFiles false in tests, which call {@link #checkFiles()} themselves */
    CertificateAuthenticator(CertificateAuthenticatorSettings settings, Clock clock, boolean watchFiles) {
        this.settings = settings;
        this.clock = clock;
        this.configuredKey = new TrustSet.Key(settings.caFile(), settings.crlFile());
        // Read on the first request that names no CA of its own: when every endpoint names its own,
        // a missing configured caFile is never even looked at.
        trustSets.put(configuredKey, new TrustSet(configuredKey, true, clock));
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
            return CompletableFuture.completedFuture(decide(request, trustSet(request)));
        } catch (RuntimeException e) {
            // No CA, a CRL that never loaded, or unusable endpoint settings: the authenticator itself
            // cannot decide.
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The trust set the request names, read now if it is new. */
    private TrustSet trustSet(AuthenticationRequest request) {
        TrustSet.Key key = keyOf(request);
        Instant now = clock.instant();
        TrustSet set = trustSets.get(key);
        while (set == null || !set.use(now)) { // new, or dropped by the timer just now
            set = trustSets.compute(key, (k, existing) ->
                    existing == null || existing.retired() ? new TrustSet(k, k.equals(configuredKey), clock) : existing);
        }
        set.files().ensureLoaded();
        if (set.unusable()) {
            // A missing or broken file may have been fixed since: looking costs two stats.
            endSessionsRevokedBy(set, set.refresh());
        }
        return set;
    }

    private TrustSet.Key keyOf(AuthenticationRequest request) {
        Optional<String> ca = setting(request, AuthenticationRequest.CLIENT_ROOT_CERTIFICATE_CHAIN);
        Optional<String> crl = setting(request, AuthenticationRequest.CLIENT_CERTIFICATE_REVOCATION_LIST);
        if (ca.isEmpty()) {
            if (crl.isPresent()) {
                // Taking the configured CA would drop the CRL the endpoint wants enforced.
                throw new ClientCertificateValidator.UnavailableException("endpoint " + request.endpointId() + ": "
                        + AuthenticationRequest.CLIENT_CERTIFICATE_REVOCATION_LIST + " " + crl.get() + " is set without "
                        + AuthenticationRequest.CLIENT_ROOT_CERTIFICATE_CHAIN);
            }
            return configuredKey;
        }
        return new TrustSet.Key(absolute(request, AuthenticationRequest.CLIENT_ROOT_CERTIFICATE_CHAIN, ca.get()),
                crl.map(value -> absolute(request, AuthenticationRequest.CLIENT_CERTIFICATE_REVOCATION_LIST, value)));
    }

    private static Optional<String> setting(AuthenticationRequest request, String name) {
        String value = request.endpointSettings().get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private static Path absolute(AuthenticationRequest request, String setting, String value) {
        Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ClientCertificateValidator.UnavailableException("endpoint " + request.endpointId() + ": " + setting
                    + ": '" + value + "' is not a valid path: " + e.getReason());
        }
        if (!path.isAbsolute()) {
            throw new ClientCertificateValidator.UnavailableException("endpoint " + request.endpointId() + ": " + setting
                    + ": '" + value + "' is not an absolute path");
        }
        return path.normalize();
    }

    private AuthenticationResult decide(AuthenticationRequest request, TrustSet set) {
        TrustFiles files = set.files();
        LiveSessions sessions = set.sessions();
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

    /**
     * Reloads the changed files of every trust set, ends the sessions a new CRL revokes, and drops
     * the trust sets nothing used for {@link #IDLE}. Runs on the timer.
     */
    void checkFiles() {
        for (TrustSet set : trustSets.values()) {
            try {
                endSessionsRevokedBy(set, set.refresh());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "checking the files of " + set + " failed", e);
            }
            if (set.retireIfIdle(clock.instant(), IDLE)) {
                trustSets.remove(set.key(), set);
                LOG.fine(() -> "dropped " + set + ": no request named it for " + IDLE.toMinutes() + " minutes");
            }
        }
    }

    private static void endSessionsRevokedBy(TrustSet set, int ended) {
        if (ended > 0) {
            TrustMaterial trust = set.files().current();
            LOG.info(() -> trust.crlSetting() + ": the new CRL " + trust.crlFile().map(Path::toString).orElse("")
                    + " revokes the certificates of " + ended + " live session(s)");
        }
    }

    /** For operators and tests: what the configured caFile and crlFile hold now. */
    TrustMaterial trust() {
        TrustSet set = trustSets.get(configuredKey);
        set.files().ensureLoaded();
        return set.files().current();
    }

    /** For tests: the trust sets in the cache, the configured one included. */
    int trustSets() {
        return trustSets.size();
    }

    /** For tests: certificates of live sessions being watched, over all trust sets. */
    int watchedCertificates() {
        return trustSets.values().stream().mapToInt(set -> set.sessions().size()).sum();
    }

    @Deactivate
    void deactivate() {
        if (checker != null) {
            checker.shutdownNow();
        }
        // Stages already handed out stay pending ("may never complete"); nothing watches them now.
        trustSets.values().forEach(set -> set.sessions().clear());
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
