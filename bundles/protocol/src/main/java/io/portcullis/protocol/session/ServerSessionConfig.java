package io.portcullis.protocol.session;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.tls.ClientCertificatePolicy;
import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings shared by all sessions of one listener. Immutable and safe to share between
 * threads, {@link #protection()} included.
 *
 * @param protection control-channel wrapping (tls-crypt, tls-auth or none)
 * @param credentials the server's certificate chain and key
 * @param dataCiphers data ciphers in server preference order
 * @param handshakeWindow a key negotiation (TLS, key-method 2, authentication) must finish within this
 * @param renegotiateAfter server-initiated soft reset period; {@link Duration#ZERO} = never
 * @param keepaliveInterval a ping is due when nothing was sent for this long
 * @param keepaliveTimeout the session closes when nothing was received for this long
 * @param clientCertificatePolicy whether TLS asks for a client certificate
 * @param transitionWindow how long a replaced (lame-duck) data key keeps working at most
 *        (OpenVPN's tran-window); it is retired earlier when the next renegotiation starts
 */
public record ServerSessionConfig(
        ControlChannelProtection protection,
        TlsCredentials credentials,
        List<AeadAlgorithm> dataCiphers,
        Duration handshakeWindow,
        Duration renegotiateAfter,
        Duration keepaliveInterval,
        Duration keepaliveTimeout,
        ClientCertificatePolicy clientCertificatePolicy,
        Duration transitionWindow) {

    public static final Duration DEFAULT_TRANSITION_WINDOW = Duration.ofHours(1);

    public ServerSessionConfig {
        Objects.requireNonNull(protection, "protection");
        Objects.requireNonNull(credentials, "credentials");
        dataCiphers = List.copyOf(dataCiphers);
        if (dataCiphers.isEmpty()) {
            throw new IllegalArgumentException("at least one data cipher");
        }
        requirePositive(handshakeWindow, "handshakeWindow");
        if (renegotiateAfter.isNegative()) {
            throw new IllegalArgumentException("renegotiateAfter must not be negative");
        }
        requirePositive(keepaliveInterval, "keepaliveInterval");
        requirePositive(keepaliveTimeout, "keepaliveTimeout");
        Objects.requireNonNull(clientCertificatePolicy, "clientCertificatePolicy");
        requirePositive(transitionWindow, "transitionWindow");
    }

    /** The contract form: client certificate OPTIONAL (asked for, empty accepted), 1 h transition window. */
    public ServerSessionConfig(ControlChannelProtection protection, TlsCredentials credentials,
            List<AeadAlgorithm> dataCiphers, Duration handshakeWindow, Duration renegotiateAfter,
            Duration keepaliveInterval, Duration keepaliveTimeout) {
        this(protection, credentials, dataCiphers, handshakeWindow, renegotiateAfter, keepaliveInterval,
                keepaliveTimeout, ClientCertificatePolicy.OPTIONAL, DEFAULT_TRANSITION_WINDOW);
    }

    public ServerSessionConfig withClientCertificatePolicy(ClientCertificatePolicy policy) {
        return new ServerSessionConfig(protection, credentials, dataCiphers, handshakeWindow, renegotiateAfter,
                keepaliveInterval, keepaliveTimeout, policy, transitionWindow);
    }

    public ServerSessionConfig withTransitionWindow(Duration window) {
        return new ServerSessionConfig(protection, credentials, dataCiphers, handshakeWindow, renegotiateAfter,
                keepaliveInterval, keepaliveTimeout, clientCertificatePolicy, window);
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
