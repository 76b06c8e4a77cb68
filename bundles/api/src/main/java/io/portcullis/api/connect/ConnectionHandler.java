package io.portcullis.api.connect;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.concurrent.CompletionStage;

/**
 * Decides, after a client has signed in and before its traffic is authorized, whether this
 * connection may go on: device posture, client version, time of day, an external policy service.
 * It receives what a managed client VPN's client-connect handler receives, plus the user's groups.
 * <p>
 * Registered as a service with {@link #NAME_PROPERTY} naming it, e.g.
 * {@code portcullis.connection-handler=client-version}; an endpoint names the one it uses in its
 * {@code connectionHandler} setting. Calls come from the endpoint's control threads and must not
 * block. A handler whose stage fails, or does not complete within the endpoint's
 * {@code connectionHandlerTimeoutSeconds}, denies the connection.
 */
@ConsumerType
public interface ConnectionHandler {

    /** Service property naming the handler. */
    String NAME_PROPERTY = "portcullis.connection-handler";

    /** The handler's name, equal to its {@link #NAME_PROPERTY}. */
    String name();

    CompletionStage<ConnectionDecision> check(ConnectionAttempt attempt);
}
