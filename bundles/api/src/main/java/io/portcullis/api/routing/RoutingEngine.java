package io.portcullis.api.routing;

import io.portcullis.api.io.IoThreads;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Moves IP packets between an endpoint's sessions and the networks behind the appliance (for
 * example through a Linux TUN device, with source NAT).
 * <p>
 * Registered as a service with {@link #NAME_PROPERTY} naming it, e.g. {@code portcullis.routing=tun}.
 * When the service goes away its attachments are closed and their receivers told.
 */
@ConsumerType
public interface RoutingEngine {

    /** Service property naming the engine, e.g. {@code tun}. */
    String NAME_PROPERTY = "portcullis.routing";

    /** The engine's name, equal to its {@link #NAME_PROPERTY}. */
    String name();

    /**
     * Sets up forwarding for one endpoint: device, addresses, NAT. Completes once packets can flow,
     * or exceptionally with a message saying what failed (missing privilege, device busy, ...).
     *
     * @param receiver gets every packet from the networks addressed to the client networks
     */
    CompletionStage<RoutingAttachment> attach(RoutingSpec spec, NetworkPacketReceiver receiver);

    /**
     * As {@link #attach(RoutingSpec, NetworkPacketReceiver)}, offered the endpoint's transport
     * threads: an engine may read its device on them rather than on threads of its own (see
     * {@link IoThreads}). The default ignores them.
     */
    default CompletionStage<RoutingAttachment> attach(RoutingSpec spec, NetworkPacketReceiver receiver,
                                                      Optional<IoThreads> transportThreads) {
        return attach(spec, receiver);
    }
}
