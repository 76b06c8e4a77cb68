package io.portcullis.api.auth;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.concurrent.CompletionStage;

/**
 * Decides who a connecting client is. An endpoint runs its configured authenticators in order
 * (a chain, e.g. {@code certificate,directory}); each one sees what the previous ones accepted.
 * <p>
 * Registered as a service with {@link #NAME_PROPERTY} naming it, e.g.
 * {@code portcullis.authenticator=certificate}. Calls come from the endpoint's control threads and
 * must not block: work that waits on the network (a directory, RADIUS, an identity provider)
 * completes the returned stage later.
 */
@ConsumerType
public interface Authenticator {

    /** Service property naming the authenticator, e.g. {@code certificate}, {@code directory}, {@code saml}. */
    String NAME_PROPERTY = "portcullis.authenticator";

    /** The authenticator's name, equal to its {@link #NAME_PROPERTY}. */
    String name();

    /**
     * Authenticates one connection attempt. Never completes exceptionally for a bad credential:
     * that is a {@link AuthenticationResult.Rejected} with the reason. An exceptional completion
     * means the authenticator itself failed (its directory is unreachable, say) and is logged as such.
     */
    CompletionStage<AuthenticationResult> authenticate(AuthenticationRequest request);
}
