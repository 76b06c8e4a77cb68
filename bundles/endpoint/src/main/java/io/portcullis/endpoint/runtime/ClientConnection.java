package io.portcullis.endpoint.runtime;

import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.transport.TransportBinding;
import io.portcullis.endpoint.config.EndpointSettings;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.session.ServerSession;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One client's connection: its control engine (used under this object's lock), its data keys by
 * key id, its address and counters. Data opening happens on the peer's transport thread, sealing
 * under {@link #sealLock} (the network reader and the keepalive timer both seal).
 */
final class ClientConnection {

    // Wake-ups further away than this are cut short (and find nothing to do): keeps nanoTime arithmetic
    // clear of overflow whatever the session timeout or log cadence.
    private static final long LONGEST_SLEEP_NANOS = TimeUnit.HOURS.toNanos(1);

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
    // Wakes this connection for its next deadline; set before the connection is published.
    volatile DeadlineTimer.Alarm alarm;

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

    /** Asks {@link #alarm} for a wake-up at {@link #nextDeadlineNanos}; nothing once closed. */
    synchronized void scheduleWakeup(EndpointSettings settings) {
        // Under the lock that remove() closes under, so a closed connection is never scheduled again.
        if (!closed) {
            alarm.schedule(nextDeadlineNanos(settings.sessionTimeout(), settings.connectionLogUpdate(),
                    System.nanoTime(), Instant.now()));
        }
    }

    /**
     * When this connection next needs the timer, as a {@link System#nanoTime} instant: its session's
     * own timers and, once admitted and until disconnecting, its session timeout and next connection log
     * update. Under this object's lock (the session is read); {@code nowNanos} and {@code wallNow} are
     * the same moment on both clocks.
     */
    private long nextDeadlineNanos(Duration sessionTimeout, Duration logUpdate, long nowNanos, Instant wallNow) {
        long sleep = LONGEST_SLEEP_NANOS;
        long sessionWakeup = session.nextWakeupNanos();
        if (sessionWakeup != Long.MAX_VALUE) {
            sleep = Math.min(sleep, Math.max(0, sessionWakeup - nowNanos));
        }
        if (user != null && !disconnecting) {
            sleep = Math.min(sleep, nanosUntil(started.plus(sessionTimeout), wallNow));
            Instant last = lastLogUpdate;
            if (last != null) {
                sleep = Math.min(sleep, nanosUntil(last.plus(logUpdate), wallNow));
            }
        }
        return nowNanos + sleep;
    }

    private static long nanosUntil(Instant at, Instant wallNow) {
        Duration d = Duration.between(wallNow, at);
        if (d.isNegative()) {
            return 0;
        }
        return d.compareTo(Duration.ofNanos(LONGEST_SLEEP_NANOS)) > 0 ? LONGEST_SLEEP_NANOS : d.toNanos();
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
