package io.portcullis.api.auth;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** The outcome of one {@link Authenticator#authenticate} call. */
public sealed interface AuthenticationResult {

    /**
     * The client is who it claims.
     *
     * @param user       the principal with its groups
     * @param revocation completes, with the reason, if the credential is later revoked (a CRL
     *                   update, an account disabled): the endpoint then ends the session. It may
     *                   never complete.
     */
    record Accepted(AuthenticatedUser user, CompletionStage<String> revocation) implements AuthenticationResult {
        public Accepted {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(revocation, "revocation");
        }
    }

    /**
     * The client is refused.
     *
     * @param reason        for the operator's log: specific, never containing a secret
     * @param clientMessage for the client (sent in AUTH_FAILED); generic by default so that a
     *                      stranger learns nothing about which part failed
     */
    record Rejected(String reason, String clientMessage) implements AuthenticationResult {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(clientMessage, "clientMessage");
        }

        public Rejected(String reason) {
            this(reason, "authentication failed");
        }
    }

    /**
     * The authenticator needs one more answer from the user (an MFA code, say). The endpoint asks
     * the client with {@code prompt} and calls {@link Authenticator#authenticate} again with the
     * answer in {@link AuthenticationRequest#challengeResponse()}.
     *
     * @param state opaque to the endpoint; given back with the answer so the authenticator can
     *              resume without keeping its own table
     */
    record Challenge(String prompt, boolean echoResponse, String state) implements AuthenticationResult {
        public Challenge {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(state, "state");
        }
    }

    /**
     * Sign-in continues elsewhere (a SAML identity provider in the user's browser). The endpoint
     * tells the client to open {@code url} and waits up to {@code timeout} for {@code outcome}.
     */
    record Pending(String url, Duration timeout, CompletionStage<AuthenticationResult> outcome)
            implements AuthenticationResult {
        public Pending {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(outcome, "outcome");
        }
    }
}
