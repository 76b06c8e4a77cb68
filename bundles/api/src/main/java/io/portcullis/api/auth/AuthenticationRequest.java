package io.portcullis.api.auth;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client presented, as far as the handshake got.
 *
 * @param endpointId        the endpoint's configured id
 * @param connectionId      the connection's id, as in the connection log
 * @param clientAddress     where the client connects from
 * @param certificateChain  the client's certificate chain as sent in TLS, leaf first; empty when
 *                          the endpoint does not ask for one
 * @param username          from the client's auth-user-pass, if any
 * @param password          from the client's auth-user-pass, if any; never logged
 * @param challengeResponse the client's answer to a {@link AuthenticationResult.Challenge}, if any
 * @param peerInfo          the client's IV_* and UV_* peer-info values (IV_VER, IV_PLAT, ...)
 * @param previous          what earlier authenticators of the chain accepted, if any
 * @param endpointSettings  the endpoint's configuration, for authenticators whose settings differ
 *                          per endpoint (the client CA and CRL of certificate sign-in, say); file
 *                          paths in it are absolute. Never holds a secret.
 */
public record AuthenticationRequest(
        String endpointId,
        String connectionId,
        InetSocketAddress clientAddress,
        List<X509Certificate> certificateChain,
        Optional<String> username,
        Optional<Secret> password,
        Optional<Secret> challengeResponse,
        Map<String, String> peerInfo,
        Optional<AuthenticatedUser> previous,
        Map<String, String> endpointSettings) {

    /** Setting carrying the absolute path of the endpoint's client CA file. */
    public static final String CLIENT_ROOT_CERTIFICATE_CHAIN = "clientRootCertificateChain";
    /** Setting carrying the absolute path of the endpoint's client CRL file, absent when none. */
    public static final String CLIENT_CERTIFICATE_REVOCATION_LIST = "clientCertificateRevocationList";

    public AuthenticationRequest {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(connectionId, "connectionId");
        certificateChain = List.copyOf(certificateChain);
        peerInfo = Map.copyOf(peerInfo);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(challengeResponse, "challengeResponse");
        Objects.requireNonNull(previous, "previous");
        endpointSettings = Map.copyOf(endpointSettings);
    }

    /** The leaf certificate, if the client sent one. */
    public Optional<X509Certificate> clientCertificate() {
        return certificateChain.isEmpty() ? Optional.empty() : Optional.of(certificateChain.get(0));
    }

    /** The same request as seen by the next authenticator of a chain. */
    public AuthenticationRequest withPrevious(AuthenticatedUser user) {
        return new AuthenticationRequest(endpointId, connectionId, clientAddress, certificateChain,
                username, password, challengeResponse, peerInfo, Optional.of(user), endpointSettings);
    }

    /** The same request carrying the client's answer to a challenge. */
    public AuthenticationRequest withChallengeResponse(Secret response) {
        return new AuthenticationRequest(endpointId, connectionId, clientAddress, certificateChain,
                username, password, Optional.of(response), peerInfo, previous, endpointSettings);
    }
}
