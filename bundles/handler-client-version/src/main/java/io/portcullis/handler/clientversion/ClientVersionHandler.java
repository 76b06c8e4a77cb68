package io.portcullis.handler.clientversion;

import io.portcullis.api.connect.ConnectionAttempt;
import io.portcullis.api.connect.ConnectionDecision;
import io.portcullis.api.connect.ConnectionHandler;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code client-version} connect handler: a connection may go on only if the client's OpenVPN
 * version (IV_VER) is at least the configured minimum and its platform (IV_PLAT) is on the
 * configured allow-list. With the defaults (no minimum, no list) every client is allowed; the
 * posture statuses still record what the client reported.
 * <p>
 * {@link #check} decides on the caller's thread from the attempt alone (no I/O) and returns a
 * completed stage; it never throws and never fails the stage: an unexpected error becomes a denial
 * whose message says so.
 */
@Component(
        service = ConnectionHandler.class,
        immediate = true,
        configurationPid = "io.portcullis.handler.clientversion",
        property = ConnectionHandler.NAME_PROPERTY + "=" + ClientVersionHandler.NAME)
@Designate(ocd = ClientVersionHandlerConfig.class)
public class ClientVersionHandler implements ConnectionHandler {

    static final String NAME = "client-version";
    private static final Logger LOG = Logger.getLogger(ClientVersionHandler.class.getName());

    /** Longest client-reported value quoted in a message. */
    static final int MAX_QUOTED = 40;
    /** Longest client-reported value in a posture status. */
    static final int MAX_STATUS_VALUE = 24;

    static final String INTERNAL_ERROR_MESSAGE =
            "the server could not check your VPN client's version (internal error); try again later or contact your VPN administrator";
    static final String INTERNAL_ERROR_STATUS = "client-version:error";

    private final ClientVersionSettings settings;

    @Activate
    public ClientVersionHandler(ClientVersionHandlerConfig config) {
        this(ClientVersionSettings.from(config));
        LOG.info(() -> "client-version handler ready: minimum version "
                + settings.minimumClientVersion().map(Object::toString).orElse("any") + ", platforms "
                + (settings.allowedPlatforms().isEmpty() ? "any" : String.join(",", new java.util.TreeSet<>(settings.allowedPlatforms())))
                + (settings.denyUnknownVersion() ? "" : ", unknown versions allowed"));
    }

    ClientVersionHandler(ClientVersionSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<ConnectionDecision> check(ConnectionAttempt attempt) {
        ConnectionDecision decision;
        try {
            decision = decide(attempt);
        } catch (RuntimeException | Error e) {
            decision = ConnectionDecision.deny(INTERNAL_ERROR_MESSAGE, List.of(INTERNAL_ERROR_STATUS));
            try {
                LOG.log(Level.WARNING, "connection " + connectionId(attempt) + ": the client-version check failed; "
                        + "the connection is denied", e);
            } catch (RuntimeException ignored) {
                // the decision stands without its log line
            }
        }
        if (!decision.allowed()) {
            logDenial(attempt, decision);
        }
        return CompletableFuture.completedFuture(decision);
    }

    ConnectionDecision decide(ConnectionAttempt attempt) {
        Objects.requireNonNull(attempt, "attempt");
        List<String> statuses = new ArrayList<>(2);
        List<String> problems = new ArrayList<>(2);
        checkVersion(attempt, statuses, problems);
        checkPlatform(attempt, statuses, problems);
        if (problems.isEmpty()) {
            return ConnectionDecision.allow(statuses);
        }
        return ConnectionDecision.deny(limit(String.join("; ", problems), ConnectionDecision.MAX_MESSAGE), statuses);
    }

    private void checkVersion(ConnectionAttempt attempt, List<String> statuses, List<String> problems) {
        Optional<String> reported = reported(attempt.clientOpenVpnVersion(), attempt.peerInfo(), "IV_VER");
        Optional<OpenVpnVersion> version = reported.flatMap(OpenVpnVersion::parse);
        String label = version.isPresent() ? shown(reported.get(), MAX_STATUS_VALUE) : "unknown";
        Optional<OpenVpnVersion> minimum = settings.minimumClientVersion();
        if (minimum.isEmpty()) {
            statuses.add("client-version:" + label + ":ok");
        } else if (version.isPresent()) {
            if (version.get().isOlderThan(minimum.get())) {
                statuses.add("client-version:" + label + ":too-old");
                problems.add("OpenVPN " + shown(reported.get(), MAX_QUOTED) + " is older than the minimum "
                        + minimum.get() + "; update your VPN client");
            } else {
                statuses.add("client-version:" + label + ":ok");
            }
        } else if (settings.denyUnknownVersion()) {
            statuses.add("client-version:unknown:not-allowed");
            problems.add((reported.isPresent()
                    ? "OpenVPN version '" + shown(reported.get(), MAX_QUOTED) + "' is not recognised"
                    : "your VPN client did not report its OpenVPN version")
                    + " and this endpoint requires " + minimum.get() + " or newer; update your VPN client");
        } else {
            statuses.add("client-version:unknown:ok");
        }
    }

    private void checkPlatform(ConnectionAttempt attempt, List<String> statuses, List<String> problems) {
        Optional<String> platform = reported(attempt.platform(), attempt.peerInfo(), "IV_PLAT")
                .map(value -> shown(value.toLowerCase(Locale.ROOT), MAX_QUOTED));
        String label = platform.map(value -> limit(value, MAX_STATUS_VALUE)).orElse("unknown");
        if (settings.allowedPlatforms().isEmpty()) {
            statuses.add("platform:" + label + ":ok");
            return;
        }
        String allowed = String.join(", ", settings.allowedPlatforms());
        if (platform.isEmpty()) {
            statuses.add("platform:unknown:not-allowed");
            problems.add("your VPN client did not report its platform and this endpoint allows only " + allowed
                    + "; update your VPN client");
        } else if (settings.allowedPlatforms().contains(platform.get())) {
            statuses.add("platform:" + label + ":ok");
        } else {
            statuses.add("platform:" + label + ":not-allowed");
            problems.add("platform '" + platform.get() + "' is not allowed on this endpoint (allowed: " + allowed + ")");
        }
    }

    /** The attempt's field, else the raw peer-info variable; empty when neither has a non-blank value. */
    private static Optional<String> reported(Optional<String> field, Map<String, String> peerInfo, String variable) {
        Optional<String> value = field == null ? Optional.empty() : field;
        if (value.isEmpty() && peerInfo != null) {
            value = Optional.ofNullable(peerInfo.get(variable));
        }
        return value.map(String::strip).filter(text -> !text.isEmpty());
    }

    /**
     * A client-reported value made safe to put in a message, a status or a log line: characters
     * other than letters, digits and {@code . _ + -} become {@code _}, and it is cut to {@code max}.
     */
    static String shown(String value, int max) {
        StringBuilder safe = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && safe.length() < max; i++) {
            char c = value.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '+' || c == '-';
            safe.append(plain ? c : '_');
        }
        return safe.toString();
    }

    static String limit(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static void logDenial(ConnectionAttempt attempt, ConnectionDecision decision) {
        try {
            LOG.info(() -> "connection " + connectionId(attempt)
                    + (attempt == null ? "" : " (endpoint " + attempt.endpointId() + ", user " + attempt.username() + ")")
                    + " denied by the client-version handler: " + decision.message()
                    + " [" + String.join(", ", decision.postureStatuses()) + "]");
        } catch (RuntimeException ignored) {
            // the decision stands without its log line
        }
    }

    private static String connectionId(ConnectionAttempt attempt) {
        return attempt == null ? "(none)" : attempt.connectionId();
    }
}
