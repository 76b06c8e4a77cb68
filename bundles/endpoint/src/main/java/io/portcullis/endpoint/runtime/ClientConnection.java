package io.portcullis.endpoint.runtime;

import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.transport.TransportBinding;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.session.ServerSession;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One client's connection: its control engine (used under this object's lock), its data keys by
 * key id, its address and counters. Data opening happens on the peer's transport thread, sealing
 * under {@link #sealLock} (the network reader and the keepalive timer both seal).
 */
final class ClientConnection {

    final String id;
    final InetSocketAddress peer;
    final TransportBinding binding;
    final ServerSession session;
    final Instant started = Instant.now();
    final Object sealLock = new Object();
    final AtomicReferenceArray<DataChannelCipher> keys = new AtomicReferenceArray<>(8);
    volatile int currentKeyId = -1;
    volatile InetAddress address;
    volatile int addressKey;
    // Dual-stack endpoints: the client's IPv6 address, and as two longs for per-packet checks.
    volatile InetAddress address6;
    volatile long address6High;
    volatile long address6Low;
    // Precomputed against the authorization rules in force; TrafficPolicy renews it after a change.
    volatile io.portcullis.endpoint.authz.UserAccess access;
    volatile java.util.List<String> postureStatuses = java.util.List.of();
    volatile AuthenticatedUser user;
    volatile String commonName;
    volatile String deviceType;
    volatile String clientVersion;
    volatile Map<String, String> peerInfo = Map.of();
    // Connection log bookkeeping, control path only (under this object's lock or the timer thread).
    volatile boolean attemptLogged;
    volatile Instant lastLogUpdate;
    volatile String cipherName = "";
    volatile boolean closed;
    volatile boolean disconnecting;
    volatile CompletableFuture<String> revocation;

    // Single writer each: ingress from the peer's transport thread, egress under sealLock.
    volatile long ingressBytes;
    volatile long ingressPackets;
    volatile long egressBytes;
    volatile long egressPackets;

    ClientConnection(String id, InetSocketAddress peer, TransportBinding binding, ServerSession session) {
        this.id = id;
        this.peer = peer;
        this.binding = binding;
        this.session = session;
    }

    VpnConnection snapshot(String endpointId) {
        AuthenticatedUser u = user;
        InetAddress a = address;
        String c = cipherName;
        return new VpnConnection(id, endpointId, Optional.ofNullable(u).map(AuthenticatedUser::name),
                u == null ? Set.of() : u.groups(), Optional.ofNullable(a).map(InetAddress::getHostAddress), peer,
                started, ingressBytes, egressBytes, ingressPackets, egressPackets,
                c.isEmpty() ? Optional.empty() : Optional.of(c));
    }

    String describe() {
        AuthenticatedUser u = user;
        String who = u != null ? u.name() : commonName;
        return "connection " + id + " from " + peer + (who == null ? "" : " (" + who + ")");
    }
}
