package io.portcullis.endpoint.auth;

import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.api.auth.Authenticator;
import io.portcullis.endpoint.plugin.PluginDirectory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs an endpoint's authenticators in their configured order. Each sees what the previous ones
 * accepted; the first refusal ends the chain. The revocations of every stage are merged, so a
 * revocation by any of them ends the session.
 */
public final class AuthenticationChain {

    private final List<String> names;
    private final PluginDirectory<Authenticator> authenticators;

    public AuthenticationChain(List<String> names, PluginDirectory<Authenticator> authenticators) {
        this.names = List.copyOf(names);
        this.authenticators = authenticators;
    }

    public CompletionStage<AuthenticationResult> authenticate(AuthenticationRequest request) {
        return stage(0, request, null, new CompletableFuture<>());
    }

    private CompletionStage<AuthenticationResult> stage(int index, AuthenticationRequest request,
                                                        AuthenticatedUser accepted, CompletableFuture<String> revocation) {
        if (index == names.size()) {
            return CompletableFuture.completedFuture(new AuthenticationResult.Accepted(accepted, revocation));
        }
        String name = names.get(index);
        Optional<Authenticator> authenticator = authenticators.find(name);
        if (authenticator.isEmpty()) {
            return CompletableFuture.completedFuture(new AuthenticationResult.Rejected(
                    "authenticator '" + name + "' is not available (is its bundle installed and active? see vpn:plugins)"));
        }
        CompletionStage<AuthenticationResult> result;
        try {
            result = authenticator.get().authenticate(request);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.handle((outcome, failure) -> {
            if (failure != null) {
                return CompletableFuture.<AuthenticationResult>completedFuture(new AuthenticationResult.Rejected(
                        "authenticator '" + name + "' failed: " + describe(failure)));
            }
            if (outcome instanceof AuthenticationResult.Accepted ok) {
                ok.revocation().whenComplete((reason, e) -> {
                    if (reason != null) {
                        revocation.complete(reason);
                    }
                });
                // When the session ends (the endpoint cancels the merged stage), each authenticator
                // may forget the session: cancel its own stage too.
                revocation.whenComplete((reason, e) -> ok.revocation().toCompletableFuture().cancel(false));
                return stage(index + 1, request.withPrevious(ok.user()), ok.user(), revocation);
            }
            if (outcome instanceof AuthenticationResult.Rejected) {
                revocation.cancel(false); // releases what earlier stages of the chain hold for this attempt
                return CompletableFuture.completedFuture(outcome);
            }
            return CompletableFuture.<AuthenticationResult>completedFuture(new AuthenticationResult.Rejected(
                    "authenticator '" + name + "' asked for " + outcome.getClass().getSimpleName()
                            + ", which this endpoint does not support yet"));
        }).thenCompose(stage -> stage);
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
