package io.portcullis.endpoint.runtime;

import io.portcullis.api.auth.AuthenticationRequest;
import io.portcullis.api.auth.AuthenticationResult;
import io.portcullis.api.auth.AuthenticatedUser;
import io.portcullis.api.auth.Secret;
import io.portcullis.api.connect.ConnectionAttempt;
import io.portcullis.api.connect.ConnectionDecision;
import io.portcullis.api.connect.ConnectionHandler;
import io.portcullis.api.endpoint.AuthorizationVerdict;
import io.portcullis.api.endpoint.Route;
import io.portcullis.api.net.IpNetwork;
import io.portcullis.api.endpoint.VpnConnection;
import io.portcullis.api.routing.NetworkPacketReceiver;
import io.portcullis.api.routing.RoutingAttachment;
import io.portcullis.api.routing.RoutingEngine;
import io.portcullis.api.routing.RoutingSpec;
import io.portcullis.api.transport.PacketReceiver;
import io.portcullis.api.transport.Transport;
import io.portcullis.api.transport.TransportBinding;
import io.portcullis.endpoint.auth.AuthenticationChain;
import io.portcullis.endpoint.config.EndpointSettings;
import io.portcullis.endpoint.log.ConnectionLog;
import io.portcullis.endpoint.log.ConnectionLogEntry;
import io.portcullis.endpoint.pool.AddressPool;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.data.InnerPayload;
import io.portcullis.protocol.data.OpenStatus;
import io.portcullis.protocol.session.ServerSession;
import io.portcullis.protocol.session.ServerSessionConfig;
import io.portcullis.protocol.session.SessionOutput;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A running endpoint: one transport binding, one routing attachment, and the client connections
 * between them. Control packets go through each connection's {@link ServerSession} under its lock;
 * data packets are opened and sealed here, with the connection's keys, without a shared lock.
 */
public final class EndpointRuntime implements PacketReceiver, NetworkPacketReceiver, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EndpointRuntime.class.getName());
    private static final int OP_DATA_V1 = 6;
    private static final int OP_DATA_V2 = 9;
    private static final int OP_HARD_RESET_CLIENT_V2 = 7;
    private static final int BUFFER_SIZE = 65536;
    // On the heap: JDK 17's AES-GCM decrypts into a direct buffer through a temporary array, 0.19 µs
    // more per 1,400-byte packet (JMH jdkOpenIntoDirect); the TUN and UDP writes copy out of it either way.
    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(BUFFER_SIZE));

    private volatile EndpointSettings settings;
    private final ServerSessionConfig sessionConfig;
    private final AuthenticationChain authentication;
    private final AddressPool pool;
    private final SecureRandom random = new SecureRandom();
    private final Map<InetSocketAddress, ClientConnection> byPeer = new ConcurrentHashMap<>();
    private final Map<Integer, ClientConnection> byAddress = new ConcurrentHashMap<>();
    // Dual-stack: by the low 64 bits of the IPv6 address (the client network is /64 or longer).
    private final Map<Long, ClientConnection> byAddress6 = new ConcurrentHashMap<>();
    private final TrafficPolicy policy;
    private final Function<String, Optional<ConnectionHandler>> connectionHandlers;
    private final BitSet peerIds = new BitSet();
    private final AtomicLong connectionCounter = new AtomicLong();
    private final LongAdder dropped = new LongAdder();
    // A flood of bad first packets must not flood the log: every refusal is counted, a few are logged.
    private final LogRateLimit refusalLogLimit = new LogRateLimit(20, TimeUnit.SECONDS.toNanos(1));
    // Wakes each connection at its own next deadline: idle connections cost nothing between them.
    private final DeadlineTimer timers;
    private volatile Map<String, String> authenticatorSettings;
    private final ConnectionLog connectionLog;
    private volatile TransportBinding binding;
    private volatile RoutingAttachment attachment;

    /**
     * @param connectionHandlers finds a client-connect handler by name in the service registry
     */
    public EndpointRuntime(EndpointSettings settings, ServerSessionConfig sessionConfig, AuthenticationChain authentication,
                           Function<String, Optional<ConnectionHandler>> connectionHandlers) throws java.io.IOException {
        this.settings = settings;
        this.connectionLog = new ConnectionLog(settings.connectionLogDirectory(), settings.endpointId(),
                settings.connectionLogMaxBytes(), settings.connectionLogFiles());
        this.sessionConfig = sessionConfig;
        this.authentication = authentication;
        this.pool = new AddressPool(settings.clientCidrBlock(), settings.clientIpv6CidrBlock());
        this.policy = new TrafficPolicy(settings.authorizationRules(), settings.routes());
        this.connectionHandlers = connectionHandlers;
        this.authenticatorSettings = authenticatorSettings(settings);
        this.timers = new DeadlineTimer("portcullis-endpoint-" + settings.endpointId(), java.time.Duration.ofMillis(20));
    }

    private static Map<String, String> authenticatorSettings(EndpointSettings settings) {
        Map<String, String> map = new java.util.HashMap<>();
        map.put("endpointId", settings.endpointId());
        map.put(AuthenticationRequest.CLIENT_ROOT_CERTIFICATE_CHAIN, settings.clientRootCertificateChain().toString());
        settings.clientCertificateRevocationList().ifPresent(crl ->
                map.put(AuthenticationRequest.CLIENT_CERTIFICATE_REVOCATION_LIST, crl.toString()));
        return Map.copyOf(map);
    }

    /** Sets up routing, then listens: clients are only accepted once their packets can flow. */
    public CompletionStage<Void> start(Transport transport, RoutingEngine routing) {
        RoutingSpec spec = new RoutingSpec(settings.endpointId(), settings.interfaceName(), settings.clientCidrBlock(),
                settings.clientIpv6CidrBlock(), settings.tunnelMtu(), settings.sourceNat(), settings.routedNetworks());
        // The transport lends its threads so that the device is read where clients' packets are (IoThreads).
        return routing.attach(spec, this, transport.ioThreads()).thenCompose(attached -> {
            this.attachment = attached;
            if (settings.routes().stream().anyMatch(r -> !r.target().equals(Route.LOCAL))) {
                attached.updateRoutes(settings.routes()); // host routes for interface and next-hop targets
            }
            return transport.bind(settings.listen(), this);
        }).thenAccept(bound -> {
            this.binding = bound;
            LOG.info(() -> "endpoint " + settings.endpointId() + " listening on " + settings.transportProtocol() + " "
                    + bound.localAddress() + ", clients " + settings.clientCidrBlock() + " via "
                    + attachment.interfaceName());
        });
    }

    /**
     * Applies settings that differ only in what live sessions can take ({@link EndpointSettings#appliesLive}):
     * rules and routes from the next packet on, pushed options from the next sign-in.
     */
    public void update(EndpointSettings next) {
        EndpointSettings previous = settings;
        policy.update(next.authorizationRules(), next.routes());
        this.authenticatorSettings = authenticatorSettings(next);
        this.settings = next;
        RoutingAttachment routing = attachment;
        if (routing != null && !previous.routes().equals(next.routes())) {
            try {
                routing.updateRoutes(next.routes());
            } catch (RuntimeException e) {
                LOG.warning(() -> "endpoint " + next.endpointId() + ": " + e.getMessage());
            }
        }
        long now = System.nanoTime();
        byPeer.values().forEach(c -> c.alarm.schedule(now)); // the session timeout or log cadence may have moved
        LOG.info(() -> "endpoint " + next.endpointId() + ": configuration applied to " + byPeer.size()
                + " live connection(s): " + next.authorizationRules().size() + " authorization rule(s), "
                + next.routes().size() + " route(s), " + (next.splitTunnel() ? "split" : "full") + " tunnel");
    }

    public AuthorizationVerdict explain(Set<String> groups, InetAddress destination) {
        return policy.explain(groups, destination);
    }

    public List<VpnConnection> connections() {
        return byPeer.values().stream().map(c -> c.snapshot(settings.endpointId())).toList();
    }

    /** Ends the connection with this id; false when there is none. */
    public boolean disconnect(String connectionId, String reason) {
        for (ClientConnection connection : byPeer.values()) {
            if (connection.id.equals(connectionId)) {
                disconnect(connection, reason);
                return true;
            }
        }
        return false;
    }

    public long droppedPackets() {
        return dropped.sum();
    }

    // ---- from clients -------------------------------------------------------------------------

    @Override
    public void received(TransportBinding from, InetSocketAddress peer, ByteBuffer packet) {
        if (!packet.hasRemaining()) {
            dropped.increment();
            return;
        }
        int first = packet.get(packet.position()) & 0xff;
        int opcode = first >>> 3;
        ClientConnection connection = byPeer.get(peer);
        if (opcode == OP_DATA_V2 || opcode == OP_DATA_V1) {
            if (connection == null) {
                dropped.increment();
            } else {
                dataFromClient(connection, first & 7, packet);
            }
        } else if (connection != null && opcode == OP_HARD_RESET_CLIENT_V2
                && connection.session.isNewConnectionAttempt(packet)) {
            // The client restarted (new session id from the same address): the old session is over.
            remove(connection, "replaced by a new connection from the same address");
            newConnection(from, peer, packet);
        } else if (connection != null) {
            List<SessionOutput> outputs;
            synchronized (connection) {
                outputs = connection.session.onControlPacket(packet, System.nanoTime());
            }
            process(connection, outputs);
        } else if (opcode == OP_HARD_RESET_CLIENT_V2) {
            newConnection(from, peer, packet);
        } else {
            dropped.increment();
        }
    }

    @Override
    public void batchEnd(TransportBinding from) {
        RoutingAttachment routing = attachment;
        if (routing != null) {
            routing.flush(); // packets decrypted from this read go to the device together
        }
    }

    private void newConnection(TransportBinding from, InetSocketAddress peer, ByteBuffer packet) {
        int peerId = allocatePeerId();
        if (peerId < 0) {
            dropped.increment();
            return;
        }
        ServerSession.Accepted accepted = ServerSession.accept(sessionConfig, peerId, packet, System.nanoTime(),
                System.currentTimeMillis() / 1000, random);
        if (accepted instanceof ServerSession.Accepted.Rejected rejected) {
            releasePeerId(peerId);
            dropped.increment();
            if (refusalLogLimit.tryAcquire(System.nanoTime())) {
                LOG.warning(() -> "endpoint " + settings.endpointId() + ": first packet from " + peer + " refused: "
                        + rejected.reason());
            }
            return;
        }
        ServerSession.Accepted.Ok ok = (ServerSession.Accepted.Ok) accepted;
        String id = settings.endpointId() + "-" + Long.toHexString(System.currentTimeMillis()) + "-" + connectionCounter.incrementAndGet();
        ClientConnection connection = new ClientConnection(id, peer, from, ok.session());
        connection.alarm = timers.alarm(() -> wake(connection));
        ClientConnection racing = byPeer.putIfAbsent(peer, connection);
        if (racing != null) {
            releasePeerId(peerId);
            return;
        }
        LOG.info(() -> connection.describe() + ": new connection attempt on endpoint " + settings.endpointId());
        process(connection, ok.outputs());
    }

    private void dataFromClient(ClientConnection connection, int keyId, ByteBuffer packet) {
        DataChannelCipher cipher = connection.keys.get(keyId);
        if (cipher == null) {
            dropped.increment();
            return;
        }
        ByteBuffer plain = SCRATCH.get();
        plain.clear();
        long now = System.nanoTime(); // one clock read per packet for the replay window and the session
        OpenStatus status = cipher.open(packet, plain, now);
        if (status != OpenStatus.OK) {
            dropped.increment();
            return;
        }
        plain.flip();
        // Counted as tunnel payload, like egress: what the user sent, not the encrypted envelope.
        connection.ingressBytes += plain.remaining();
        connection.ingressPackets++;
        connection.session.onDataReceived(now);
        switch (InnerPayload.classify(plain)) {
            case PING, OCC_OTHER -> {
            }
            case OCC_EXIT -> {
                List<SessionOutput> outputs;
                synchronized (connection) {
                    outputs = connection.session.onClientExit(System.nanoTime());
                }
                process(connection, outputs);
            }
            case IP_PACKET -> toNetwork(connection, plain);
        }
    }

    private void toNetwork(ClientConnection connection, ByteBuffer ipPacket) {
        RoutingAttachment routing = attachment;
        if (routing == null || connection.disconnecting || !policy.allowsOutbound(connection, ipPacket)) {
            // spoofed source, no route or no rule for the destination, routing gone, or the session is ending
            dropped.increment();
            return;
        }
        routing.send(ipPacket);
    }

    // ---- from the networks --------------------------------------------------------------------

    @Override
    public void received(RoutingAttachment from, ByteBuffer ipPacket) {
        int p = ipPacket.position();
        int version = ipPacket.remaining() > 0 ? ipPacket.get(p) & 0xf0 : 0;
        ClientConnection connection;
        if (version == 0x40 && ipPacket.remaining() >= 20) {
            connection = byAddress.get(ipPacket.getInt(p + 16));
        } else if (version == 0x60 && ipPacket.remaining() >= 40) {
            connection = byAddress6.get(ipPacket.getLong(p + 32));
            if (connection != null && ipPacket.getLong(p + 24) != connection.address6High) {
                connection = null;
            }
        } else {
            connection = null;
        }
        if (connection == null || connection.disconnecting || !policy.allowsInbound(connection, ipPacket)) {
            dropped.increment();
            return;
        }
        sealAndSend(connection, ipPacket);
    }

    @Override
    public void batchEnd(RoutingAttachment from) {
        TransportBinding out = binding;
        if (out != null) {
            out.flush();
        }
    }

    @Override
    public void attachmentClosed(RoutingAttachment closed) {
        if (attachment == closed) {
            attachment = null;
        }
    }

    private void sealAndSend(ClientConnection connection, ByteBuffer payload) {
        int keyId = connection.currentKeyId;
        DataChannelCipher cipher = keyId < 0 ? null : connection.keys.get(keyId);
        TransportBinding out = binding;
        if (cipher == null || out == null) {
            dropped.increment();
            return;
        }
        ByteBuffer sealed = SCRATCH.get();
        synchronized (connection.sealLock) {
            sealed.clear();
            int plainLength = payload.remaining();
            try {
                cipher.seal(payload, sealed);
            } catch (RuntimeException e) {
                dropped.increment();
                return;
            }
            connection.egressBytes += plainLength;
            connection.egressPackets++;
            connection.session.onDataSent(System.nanoTime());
            sealed.flip();
            out.send(connection.peer, sealed);
        }
    }

    // ---- the control path ---------------------------------------------------------------------

    private void process(ClientConnection connection, List<SessionOutput> outputs) {
        for (SessionOutput output : outputs) {
            if (output instanceof SessionOutput.Send send) {
                connection.binding.send(connection.peer, ByteBuffer.wrap(send.packet()));
            } else if (output instanceof SessionOutput.Authenticate request) {
                authenticate(connection, request);
            } else if (output instanceof SessionOutput.InstallKeys install) {
                connection.keys.set(install.keyId(), install.cipher());
                connection.currentKeyId = install.keyId();
                connection.cipherName = install.cipher().algorithm().openVpnName();
            } else if (output instanceof SessionOutput.RetireKeys retire) {
                connection.keys.set(retire.keyId(), null);
            } else if (output instanceof SessionOutput.Established established) {
                LOG.info(() -> connection.describe() + ": connected, address " + hostOf(connection) + ", cipher "
                        + established.cipher().openVpnName());
            } else if (output instanceof SessionOutput.SendPing) {
                sealAndSend(connection, ByteBuffer.wrap(InnerPayload.ping()));
            } else if (output instanceof SessionOutput.Closed closed) {
                remove(connection, closed.byClient() ? "by the client: " + closed.reason() : closed.reason());
            }
        }
        connection.binding.flush();
        connection.scheduleWakeup(settings); // any control event may bring the session's next deadline forward
    }

    private void authenticate(ClientConnection connection, SessionOutput.Authenticate request) {
        if (!request.clientChain().isEmpty()) {
            connection.commonName = commonName(request.clientChain().get(0));
        }
        connection.peerInfo = request.peerInfo().entries();
        connection.deviceType = request.peerInfo().entries().get("IV_PLAT");
        connection.clientVersion = request.peerInfo().entries().get("IV_VER");
        AuthenticationRequest authRequest = new AuthenticationRequest(settings.endpointId(), connection.id,
                connection.peer, request.clientChain(), request.username(),
                request.password().map(secret -> Secret.of(secret.revealUtf8())), Optional.empty(),
                request.peerInfo().entries(), Optional.empty(), authenticatorSettings);
        authentication.authenticate(authRequest).whenComplete((result, failure) -> {
            List<SessionOutput> outputs;
            synchronized (connection) {
                if (connection.closed) {
                    return;
                }
                outputs = decide(connection, result, failure);
            }
            process(connection, outputs);
        });
    }

    /** Turns the chain's verdict into the session's next step; runs under the connection's lock. */
    private List<SessionOutput> decide(ClientConnection connection, AuthenticationResult result, Throwable failure) {
        if (failure != null || !(result instanceof AuthenticationResult.Accepted accepted)) {
            String reason = failure != null ? "authentication failed: " + failure
                    : ((AuthenticationResult.Rejected) result).reason();
            String told = result instanceof AuthenticationResult.Rejected r ? r.clientMessage() : "authentication failed";
            LOG.warning(() -> connection.describe() + ": refused: " + reason);
            logAttempt(connection, reason);
            return connection.session.onAuthenticationResult(false, List.of(), told);
        }
        connection.user = accepted.user();
        Optional<String> handlerName = settings.connectionHandler();
        if (handlerName.isEmpty()) {
            return admit(connection, accepted);
        }
        return checkWithHandler(connection, accepted, handlerName.get());
    }

    /**
     * Asks the endpoint's client-connect handler; a missing handler, a failure or a timeout denies,
     * because a check that cannot run must not let a client in.
     */
    private List<SessionOutput> checkWithHandler(ClientConnection connection, AuthenticationResult.Accepted accepted,
                                                 String name) {
        AuthenticatedUser user = accepted.user();
        Map<String, String> info = connection.peerInfo;
        ConnectionAttempt attempt = new ConnectionAttempt(connection.id, settings.endpointId(),
                Optional.ofNullable(connection.commonName), user.name(), Optional.ofNullable(info.get("IV_PLAT")),
                Optional.ofNullable(info.get("IV_PLAT_VER")), connection.peer.getAddress(),
                Optional.ofNullable(info.get("IV_VER")), ConnectionAttempt.SCHEMA_VERSION, user.groups(), info);
        Optional<ConnectionHandler> handler = connectionHandlers.apply(name);
        if (handler.isEmpty()) {
            String reason = "connection handler '" + name + "' is not installed (see vpn:plugins)";
            LOG.warning(() -> connection.describe() + ": refused: " + reason);
            logAttempt(connection, reason);
            return connection.session.onAuthenticationResult(false, List.of(), "connection refused by policy");
        }
        CompletableFuture<ConnectionDecision> decision;
        try {
            decision = handler.get().check(attempt).toCompletableFuture();
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        long timeout = settings.connectionHandlerTimeout().toMillis();
        decision.orTimeout(timeout, TimeUnit.MILLISECONDS).whenComplete((verdict, failure) -> {
            List<SessionOutput> outputs;
            synchronized (connection) {
                if (connection.closed) {
                    return;
                }
                if (verdict != null) {
                    connection.postureStatuses = verdict.postureStatuses();
                }
                if (failure == null && verdict.allowed()) {
                    outputs = admit(connection, accepted);
                } else {
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    String reason = cause instanceof java.util.concurrent.TimeoutException
                            ? "connection handler '" + name + "' did not answer within " + timeout + " ms"
                            : cause != null ? "connection handler '" + name + "' failed: " + cause.getMessage()
                            : "denied by connection handler '" + name + "': " + verdict.message();
                    String told = verdict != null && !verdict.message().isEmpty() ? verdict.message()
                            : "connection refused by policy";
                    LOG.warning(() -> connection.describe() + ": refused: " + reason);
                    logAttempt(connection, reason);
                    outputs = connection.session.onAuthenticationResult(false, List.of(), told);
                }
            }
            process(connection, outputs);
        });
        return List.of(); // the handler's decision continues the session
    }

    /** Leases addresses and lets the client in; under the connection's lock. */
    private List<SessionOutput> admit(ClientConnection connection, AuthenticationResult.Accepted accepted) {
        Optional<InetAddress> lease = pool.lease();
        if (lease.isEmpty()) {
            LOG.warning(() -> connection.describe() + ": refused: address pool " + pool.network() + " is exhausted ("
                    + pool.capacity() + " clients)");
            logAttempt(connection, "address pool " + pool.network() + " is exhausted");
            return connection.session.onAuthenticationResult(false, List.of(), "no address available");
        }
        connection.address = lease.get();
        connection.addressKey = ByteBuffer.wrap(lease.get().getAddress()).getInt();
        byAddress.put(connection.addressKey, connection);
        Optional<InetAddress> lease6 = pool.ipv6For(lease.get());
        lease6.ifPresent(address6 -> {
            ByteBuffer bytes = ByteBuffer.wrap(address6.getAddress());
            connection.address6High = bytes.getLong(0);
            connection.address6Low = bytes.getLong(8);
            connection.address6 = address6;
            byAddress6.put(connection.address6Low, connection);
        });
        CompletableFuture<String> revocation = accepted.revocation().toCompletableFuture();
        connection.revocation = revocation;
        revocation.thenAccept(reason -> disconnect(connection, "revoked: " + reason));
        LOG.info(() -> connection.describe() + ": authenticated as " + accepted.user().name() + " by "
                + accepted.user().authenticator() + ", groups " + accepted.user().groups());
        logAttempt(connection, null); // before the client hears it is in
        connection.lastLogUpdate = java.time.Instant.now();
        EndpointSettings s = settings;
        List<IpNetwork> routes = s.splitTunnel() ? policy.routesFor(accepted.user().groups(), s.routes()) : List.of();
        return connection.session.onAuthenticationResult(true,
                PushOptions.forClient(s, lease.get(), pool.gateway(), lease6, pool.gatewayIpv6(), routes), "");
    }

    /** Ends a connection from the server side (revocation, operator). */
    void disconnect(ClientConnection connection, String reason) {
        List<SessionOutput> outputs;
        synchronized (connection) {
            // Once is enough: the session closes after the client acknowledges (or a short linger),
            // and the timer, a revocation or an operator may ask again meanwhile.
            if (connection.closed || connection.disconnecting) {
                return;
            }
            connection.disconnecting = true;
            LOG.info(() -> connection.describe() + ": disconnecting: " + reason);
            outputs = connection.session.disconnect(reason, System.nanoTime());
        }
        process(connection, outputs);
    }

    /** The connection's deadline came: session timeout, connection log update, session timers. */
    private void wake(ClientConnection connection) {
        long now = System.nanoTime();
        java.time.Instant wallNow = java.time.Instant.now();
        EndpointSettings s = settings;
        try {
            if (connection.user != null && !connection.closed && !connection.disconnecting) {
                if (connection.started.plus(s.sessionTimeout()).isBefore(wallNow)) {
                    disconnect(connection, "session timeout (" + describe(s.sessionTimeout()) + ")");
                    return;
                }
                java.time.Instant last = connection.lastLogUpdate;
                if (last != null && !last.plus(s.connectionLogUpdate()).isAfter(wallNow)) {
                    connection.lastLogUpdate = wallNow;
                    connectionLog.append(entry(ConnectionLogEntry.Type.UPDATE, connection, wallNow));
                }
            }
            List<SessionOutput> outputs = List.of(); // none when early, or when only a log update was due
            synchronized (connection) {
                if (connection.closed) {
                    return;
                }
                if (connection.session.nextWakeupNanos() - now <= 0) {
                    outputs = connection.session.onTick(now);
                }
            }
            if (outputs.isEmpty()) {
                connection.scheduleWakeup(s);
            } else {
                process(connection, outputs);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, connection.describe() + ": timer failed; ending it", e);
            remove(connection, "internal error: " + e);
        }
    }

    private void remove(ClientConnection connection, String reason) {
        synchronized (connection) {
            if (connection.closed) {
                return;
            }
            connection.closed = true;
            connection.alarm.cancel();
        }
        byPeer.remove(connection.peer, connection);
        if (connection.address != null) {
            byAddress.remove(connection.addressKey, connection);
            if (connection.address6 != null) {
                byAddress6.remove(connection.address6Low, connection);
            }
            pool.release(connection.address);
            LOG.info(() -> connection.describe() + ": address " + connection.address.getHostAddress()
                    + " returned to the pool (" + pool.leasedCount() + " of " + pool.capacity() + " leased)");
        }
        releasePeerId(connection.session.peerId());
        if (!connection.attemptLogged) {
            logAttempt(connection, reason); // never got as far as a decision: TLS failed, timed out, went away
        } else if (connection.address != null) { // admitted: its end is logged
            connectionLog.append(entry(ConnectionLogEntry.Type.RESET, connection, java.time.Instant.now())
                    .time("connection-end-time", java.time.Instant.now())
                    .set("connection-reset-status", reason));
        }
        CompletableFuture<String> revocation = connection.revocation;
        if (revocation != null) {
            revocation.cancel(false);
        }
        connection.binding.disconnect(connection.peer);
        LOG.info(() -> connection.describe() + ": closed: " + reason + " (in " + connection.ingressBytes + " B/"
                + connection.ingressPackets + " pkts, out " + connection.egressBytes + " B/" + connection.egressPackets + " pkts)");
    }

    @Override
    public void disconnected(TransportBinding from, InetSocketAddress peer) {
        ClientConnection connection = byPeer.get(peer);
        if (connection != null) {
            remove(connection, "transport connection closed");
        }
    }

    @Override
    public void bindingClosed(TransportBinding closed) {
        if (binding == closed) {
            binding = null;
        }
    }

    private synchronized int allocatePeerId() {
        int id = peerIds.nextClearBit(0);
        if (id > 0xFFFFFE) {
            return -1;
        }
        peerIds.set(id);
        return id;
    }

    private synchronized void releasePeerId(int id) {
        peerIds.clear(id);
    }

    private static String commonName(java.security.cert.X509Certificate certificate) {
        try {
            for (var rdn : new javax.naming.ldap.LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            // fall through: the subject as a whole names the client well enough
        }
        return certificate.getSubjectX500Principal().getName();
    }

    private static String hostOf(ClientConnection connection) {
        InetAddress a = connection.address;
        return a == null ? "-" : a.getHostAddress();
    }

    /** Ends every connection, stops listening, tears routing down. */
    @Override
    public void close() {
        timers.close();
        for (ClientConnection connection : List.copyOf(byPeer.values())) {
            try {
                List<SessionOutput> outputs;
                synchronized (connection) {
                    outputs = connection.session.disconnect("endpoint stopping", System.nanoTime());
                }
                process(connection, outputs);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "while ending " + connection.describe(), e);
            }
            remove(connection, "endpoint stopping");
        }
        TransportBinding b = binding;
        if (b != null) {
            b.close();
        }
        RoutingAttachment a = attachment;
        if (a != null) {
            a.close();
        }
        connectionLog.close();
    }

    /** The last {@code count} connection log entries, oldest first. */
    public List<String> connectionLog(int count) throws java.io.IOException {
        return connectionLog.tail(count);
    }

    /** Records the outcome of an attempt once: {@code failure} null means it succeeded. */
    private void logAttempt(ClientConnection connection, String failure) {
        if (connection.attemptLogged) {
            return;
        }
        connection.attemptLogged = true;
        connectionLog.append(entry(ConnectionLogEntry.Type.ATTEMPT, connection, java.time.Instant.now())
                .set("connection-attempt-status", failure == null ? "successful" : "failed")
                .set("connection-attempt-failure-reason", failure));
    }

    private ConnectionLogEntry entry(ConnectionLogEntry.Type type, ClientConnection c, java.time.Instant now) {
        var user = c.user;
        var address = c.address;
        return new ConnectionLogEntry(type)
                .set("connection-id", c.id)
                .set("client-vpn-endpoint-id", settings.endpointId())
                .set("transport-protocol", settings.transportProtocol())
                .time("connection-start-time", c.started)
                .time("connection-last-update-time", now)
                .set("connection-duration-seconds", java.time.Duration.between(c.started, now).toSeconds())
                .set("client-ip", address == null ? null : address.getHostAddress())
                .set("common-name", c.commonName)
                .set("username", user == null ? null : user.name())
                .set("device-type", c.deviceType)
                .set("device-ip", c.peer.getAddress().getHostAddress())
                .set("port", c.peer.getPort())
                .set("client-openvpn-version", c.clientVersion)
                .set("ingress-bytes", c.ingressBytes)
                .set("egress-bytes", c.egressBytes)
                .set("ingress-packets", c.ingressPackets)
                .set("egress-packets", c.egressPackets)
                .set("posture-compliance-statuses", String.join(",", c.postureStatuses));
    }

    private static String describe(java.time.Duration d) {
        return d.toSeconds() % 3600 == 0 ? d.toHours() + " h" : d.toSeconds() + " s";
    }
}
