package io.portcullis.protocol.session;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.keymethod.ClientKeyMethod2;
import io.portcullis.protocol.keymethod.KeyMethod2Reader;
import io.portcullis.protocol.keymethod.PeerInfo;
import io.portcullis.protocol.keymethod.ServerKeyMethod2;
import io.portcullis.protocol.keys.Key2;
import io.portcullis.protocol.keys.KeySource;
import io.portcullis.protocol.message.ClientMessage;
import io.portcullis.protocol.message.ServerMessages;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.DataPacketHeader;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.packet.SessionId;
import io.portcullis.protocol.reliable.ReceiveOutcome;
import io.portcullis.protocol.replay.ReplayWindow;
import io.portcullis.protocol.tls.ControlChannelTls;
import io.portcullis.protocol.wrap.ControlChannelCodec;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import io.portcullis.protocol.wrap.FirstPacketVerdict;
import io.portcullis.protocol.wrap.Unwrapped;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The server side of one OpenVPN connection (reference §2, §4–6, §8–10): reset exchange,
 * reliable control channel, one TLS session per key id, key-method 2, authentication hand-off,
 * PUSH_REPLY, data-key installation, renegotiation (client- or server-initiated soft reset,
 * key ids 1..7 wrapping to 1, lame-duck key), keepalive and exit.
 * <p>
 * Every event method returns the outputs to act on, in order; after
 * {@link SessionOutput.Closed} all methods return nothing. Time ({@code nowNanos}, any
 * monotonic origin) and randomness are injected. Malformed, unauthentic or unexpected packets
 * are dropped and counted ({@link #droppedPackets()}); they never throw and never end the
 * session.
 * <p>
 * <b>Threading:</b> all methods except {@link #onDataReceived} and {@link #onDataSent} must be
 * called serialized (one at a time, with happens-before between calls, e.g. from one event
 * loop or under a per-session lock). {@link #onDataReceived}/{@link #onDataSent} are single
 * volatile stores and may be called from any thread at any time. The stateless
 * {@link #accept} may run on any thread.
 * <p>
 * Not implemented: the stateless HMAC-cookie reset of 2.6 servers (§2.6; plain stateful
 * handling is fully interoperable, the cookie is only DoS protection), tls-crypt-v2,
 * dynamic tls-crypt, AUTH_PENDING/deferred-auth messages, compression framing.
 */
public final class ServerSession {

    /** How long a key's TLS record ciphers stay built after activation: its push and key exchange are over by then. */
    static final long RECORD_CIPHERS_KEPT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Keepalive pings fall due on multiples of this on the monotonic clock (see {@link #keepaliveDue}). */
    static final long KEEPALIVE_GRID_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How long AUTH_FAILED / RESTART / HALT wait for their ACK before the session closes anyway. */
    public static final long CLOSE_LINGER_NANOS = TimeUnit.SECONDS.toNanos(3);

    /** Result of {@link #accept}. */
    public sealed interface Accepted {
        /** A new session; act on {@code outputs} (the server's reset). */
        record Ok(ServerSession session, List<SessionOutput> outputs) implements Accepted {
            public Ok {
                outputs = List.copyOf(outputs);
            }
        }

        /** Not a valid first packet: drop it without reply; {@code reason} is for the log. */
        record Rejected(String reason, DropReason dropReason) implements Accepted {
        }
    }

    private enum Auth { NONE, PENDING, ACCEPTED, REJECTED }

    /** One key id: its control channel and, once negotiated, its data key. */
    private static final class KeyState {
        final KeyChannel channel;
        /** Until the client's key-method 2 message is complete; then dropped, as the key sources once used. */
        KeyMethod2Reader reader = new KeyMethod2Reader();
        long bytesFedToReader;
        KeySource clientSource;
        KeySource serverSource;
        DataChannelCipher cipher;
        long retireAt;

        KeyState(KeyChannel channel) {
            this.channel = channel;
        }

        int keyId() {
            return channel.keyId;
        }

        boolean active() {
            return cipher != null;
        }

        boolean keyMethodReceived() {
            return reader == null;
        }
    }

    private final ServerSessionConfig config;
    private final int peerId;
    private final SecureRandom random;
    private final SessionId localSessionId;
    private final SessionId remoteSessionId;
    private final ControlChannelCodec codec;
    private final int wrapOverhead;

    private KeyState primary;
    private KeyState lameDuck;

    private long lastNow;
    private long lastControlReceived;
    private long lastControlSent;
    private volatile long lastDataReceived;
    private volatile long lastDataSent;
    private volatile long droppedPackets;

    private Auth auth = Auth.NONE;
    private PeerInfo peerInfo = PeerInfo.EMPTY;
    private AeadAlgorithm cipher;
    private boolean keyExport;
    private boolean dataV2;
    /** SHA-256 of the client's certificate, which a renegotiation must present again. */
    private byte[] clientLeafDigest;
    private String username = "";
    private List<String> pushReply = List.of();
    private String authFailedMessage;
    private boolean established;
    private long activeSince;

    private String closingReason;
    private boolean closingByClient;
    private long closingDeadline;
    private boolean closed;

    private ServerSession(ServerSessionConfig config, int peerId, ControlChannelProtection protection,
            SessionId clientSessionId, long nowNanos, long unixSeconds, SecureRandom random) {
        this.config = config;
        this.peerId = peerId;
        this.random = random;
        this.localSessionId = SessionId.random(random);
        this.remoteSessionId = clientSessionId;
        this.codec = new ControlChannelCodec(protection, unixSeconds);
        this.wrapOverhead = protection.overhead();
        this.lastNow = nowNanos;
        this.lastControlReceived = nowNanos;
        this.lastControlSent = nowNanos;
        this.lastDataReceived = nowNanos;
        this.lastDataSent = nowNanos;
        this.primary = newKeyState(0, nowNanos);
    }

    /**
     * Checks a packet from an unknown peer statelessly ({@link FirstPacketVerdict}) and, if it
     * is a valid client hard reset, creates the session and returns the server's reset to send.
     *
     * @param peerId the peer-id for P_DATA_V2 (0..0xFFFFFE), unique per endpoint
     * @param unixSeconds wall-clock seconds for the tls-auth/tls-crypt replay time
     */
    public static Accepted accept(ServerSessionConfig config, int peerId, ByteBuffer firstPacket, long nowNanos,
            long unixSeconds, SecureRandom random) {
        if (peerId < 0 || peerId > DataPacketHeader.MAX_PEER_ID) {
            throw new IllegalArgumentException("peer-id out of range: " + peerId);
        }
        ControlChannelProtection protection = config.protection();
        FirstPacketVerdict verdict;
        try {
            verdict = FirstPacketVerdict.check(firstPacket, protection);
        } catch (RuntimeException e) {
            return new Accepted.Rejected("MALFORMED: " + e, DropReason.MALFORMED);
        }
        if (verdict instanceof FirstPacketVerdict.Reject r) {
            return new Accepted.Rejected(r.reason() + ": " + r.detail(), r.reason());
        }
        FirstPacketVerdict.Accept ok = (FirstPacketVerdict.Accept) verdict;
        ServerSession session = new ServerSession(config, peerId, protection, ok.reset().sessionId(), nowNanos,
                unixSeconds, random);
        return new Accepted.Ok(session, session.start(ok.unwrapped(), nowNanos));
    }

    private List<SessionOutput> start(Unwrapped reset, long nowNanos) {
        codec.accept(reset, nowNanos); // records the reset's replay id
        primary.channel.reliable.enqueue(Opcode.P_CONTROL_HARD_RESET_SERVER_V2, new byte[0]);
        primary.channel.receive(reset.packet());
        return finish(nowNanos, new ArrayList<>(), List.of());
    }

    private KeyState newKeyState(int keyId, long nowNanos) {
        ControlChannelTls tls = ControlChannelTls.server(config.credentials(), config.clientCertificatePolicy(), random);
        return new KeyState(new KeyChannel(keyId, localSessionId, remoteSessionId, tls, wrapOverhead, nowNanos));
    }

    // ---------------------------------------------------------------- events

    /** A non-data packet from this peer, still wrapped (all remaining bytes of {@code wire}). */
    public List<SessionOutput> onControlPacket(ByteBuffer wire, long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        List<SessionOutput> after = new ArrayList<>();
        try {
            handlePacket(wire, nowNanos, out, after);
        } catch (RuntimeException e) {
            // Defensive: untrusted input must never escape as an exception.
            drop();
        }
        return finish(nowNanos, out, after);
    }

    /** Timers: retransmissions, hand-window, keepalive, renegotiation, lame-duck expiry, close linger. */
    public List<SessionOutput> onTick(long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        List<SessionOutput> after = new ArrayList<>();
        long lastReceived = latest(lastControlReceived, lastDataReceived);
        if (nowNanos - lastReceived >= config.keepaliveTimeout().toNanos()) {
            closed = true;
            out.add(new SessionOutput.Closed("ping timeout", false));
            return List.copyOf(out);
        }
        if (closingReason == null && !primary.active()
                && nowNanos - primary.channel.startedNanos >= config.handshakeWindow().toNanos()) {
            fail(primary.keyId() == 0 ? "TLS key negotiation did not complete within hand-window"
                    : "renegotiation of key id " + primary.keyId() + " did not complete within hand-window");
        }
        if (lameDuck != null && nowNanos - lameDuck.retireAt >= 0) {
            out.add(new SessionOutput.RetireKeys(lameDuck.keyId()));
            lameDuck = null;
        }
        long reneg = config.renegotiateAfter().toNanos();
        if (closingReason == null && reneg > 0 && primary.active() && nowNanos - activeSince >= reneg) {
            startRenegotiation(KeyChannel.nextKeyId(primary.keyId()), nowNanos, out);
        }
        if (established && closingReason == null && nowNanos - keepaliveDue() >= 0) {
            out.add(new SessionOutput.SendPing());
            lastDataSent = nowNanos;
        }
        if (primary.active() && primary.channel.tls != null && nowNanos - activeSince >= RECORD_CIPHERS_KEPT_NANOS) {
            primary.channel.tls.releaseRecordCiphers(); // idempotent; the first tick after does it
        }
        return finish(nowNanos, out, after);
    }

    /**
     * The endpoint's decision on {@link SessionOutput.Authenticate}. Accepted: installs key 0
     * and sends PUSH_REPLY with {@code pushOptions} followed by the engine-owned options
     * ({@code peer-id}, {@code cipher}, {@code protocol-flags}/{@code key-derivation}).
     * Rejected: sends {@code AUTH_FAILED[,failureMessage]} and closes once it is ACKed (or after
     * {@link #CLOSE_LINGER_NANOS}). Ignored unless a decision is pending.
     *
     * @throws IllegalArgumentException if a push option is empty, contains a comma or exceeds 255 chars
     */
    public List<SessionOutput> onAuthenticationResult(boolean accepted, List<String> pushOptions,
            String failureMessage) {
        return onAuthenticationResult(accepted, pushOptions, failureMessage, lastNow);
    }

    /** As {@link #onAuthenticationResult(boolean, List, String)}, with the current time. */
    public List<SessionOutput> onAuthenticationResult(boolean accepted, List<String> pushOptions,
            String failureMessage, long nowNanos) {
        if (closed || auth != Auth.PENDING) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        List<SessionOutput> after = new ArrayList<>();
        if (accepted) {
            List<String> options = new ArrayList<>(pushOptions == null ? List.of() : pushOptions);
            options.addAll(Negotiation.engineOwnedOptions(peerInfo, cipher, keyExport, dataV2, peerId));
            List<String> messages = ServerMessages.pushReply(options); // validates before any state change
            auth = Auth.ACCEPTED;
            pushReply = messages;
            activate(primary, lastNow, out);
            if (closingReason == null) {
                sendPushReply(primary);
                established = true;
                after.add(new SessionOutput.Established(cipher, keyExport));
            }
        } else {
            rejectAuthentication(failureMessage);
        }
        return finish(lastNow, out, after);
    }

    /** Record that an authentic data packet arrived (any thread; a volatile store). */
    public void onDataReceived(long nowNanos) {
        lastDataReceived = nowNanos;
    }

    /**
     * Record that a data packet was sent to the peer (any thread; a volatile store). Optional:
     * without it pings are sent every keepalive interval even on a busy tunnel.
     */
    public void onDataSent(long nowNanos) {
        lastDataSent = nowNanos;
    }

    /**
     * Starts a server-initiated renegotiation now (e.g. the data packet id nears wrap,
     * {@code DataChannelCipher.needsRenegotiation()}, or a byte limit). Ignored unless the
     * current key is established and no renegotiation or close is under way.
     */
    public List<SessionOutput> renegotiate(long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        if (closingReason == null && primary.active()) {
            startRenegotiation(KeyChannel.nextKeyId(primary.keyId()), nowNanos, out);
        }
        return finish(nowNanos, out, List.of());
    }

    /** The endpoint saw an OCC EXIT (explicit-exit-notify) data payload from the client. */
    public List<SessionOutput> onClientExit(long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        closeNow("client exit (explicit-exit-notify)", true);
        return finish(nowNanos, new ArrayList<>(), List.of());
    }

    /**
     * The server ends the session (revocation, operator, shutdown): sends {@code RESTART} as a
     * 2.6 server does, then closes once it is ACKed or after {@link #CLOSE_LINGER_NANOS}.
     */
    public List<SessionOutput> disconnect(String reason, long nowNanos) {
        return disconnect(reason, false, nowNanos);
    }

    /** As {@link #disconnect(String, long)}; {@code halt} sends {@code HALT} (client should not reconnect). */
    public List<SessionOutput> disconnect(String reason, boolean halt, long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        KeyState ks = primary.channel.handshakeComplete() ? primary : lameDuck;
        if (auth == Auth.ACCEPTED && ks != null && closingReason == null) {
            ks.channel.sendApp(ServerMessages.encode(halt ? ServerMessages.halt("") : ServerMessages.restart("", "")));
            lingerThenClose(reason, false, nowNanos);
        } else {
            closeNow(reason, false);
        }
        return finish(nowNanos, out, List.of());
    }

    // ---------------------------------------------------------------- queries

    /**
     * Whether {@code wire} (not consumed) looks like a client hard reset with a session id other
     * than this session's: the client restarted from the same address. Cheap and unauthenticated
     * (opcode byte and clear session id only); the endpoint should then run {@link #accept} on it
     * and, if accepted, replace this session.
     */
    public boolean isNewConnectionAttempt(ByteBuffer wire) {
        if (wire.remaining() < 1 + SessionId.LENGTH) {
            return false;
        }
        int first = wire.get(wire.position()) & 0xFF;
        return Opcode.fromFirstByte(first) == Opcode.P_CONTROL_HARD_RESET_CLIENT_V2 && Opcode.keyIdOf(first) == 0
                && wire.getLong(wire.position() + 1) != remoteSessionId.value();
    }

    /** The earliest time {@link #onTick} has something to do; {@link Long#MAX_VALUE} once closed. */
    public long nextWakeupNanos() {
        if (closed) {
            return Long.MAX_VALUE;
        }
        long now = lastNow;
        long w = earliest(Long.MAX_VALUE, primary.channel.reliable.nextWakeupNanos(now));
        if (lameDuck != null) {
            w = earliest(w, lameDuck.channel.reliable.nextWakeupNanos(now));
            w = earliest(w, lameDuck.retireAt);
        }
        w = earliest(w, latest(lastControlReceived, lastDataReceived) + config.keepaliveTimeout().toNanos());
        if (closingReason != null) {
            return earliest(w, closingDeadline);
        }
        if (!primary.active()) {
            w = earliest(w, primary.channel.startedNanos + config.handshakeWindow().toNanos());
        }
        if (established) {
            w = earliest(w, keepaliveDue());
        }
        long reneg = config.renegotiateAfter().toNanos();
        if (reneg > 0 && primary.active()) {
            w = earliest(w, activeSince + reneg);
        }
        return w;
    }

    public int peerId() {
        return peerId;
    }

    public SessionId localSessionId() {
        return localSessionId;
    }

    public SessionId remoteSessionId() {
        return remoteSessionId;
    }

    /** Packets dropped as malformed, unauthentic, replayed or unexpected. */
    public long droppedPackets() {
        return droppedPackets;
    }

    public boolean isEstablished() {
        return established && !closed;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The negotiated data cipher, once the client's key-method 2 was read. */
    public Optional<AeadAlgorithm> cipher() {
        return Optional.ofNullable(cipher);
    }

    /** The client's peer info (empty before its key-method 2). */
    public PeerInfo peerInfo() {
        return peerInfo;
    }

    /** Key id of the newest key state (possibly still negotiating). */
    public int currentKeyId() {
        return primary.keyId();
    }

    // ---------------------------------------------------------------- packet handling

    private void handlePacket(ByteBuffer wire, long nowNanos, List<SessionOutput> out, List<SessionOutput> after) {
        ParseResult<Unwrapped> unwrapped = codec.protection().unwrap(wire);
        if (!(unwrapped instanceof ParseResult.Ok<Unwrapped> ok)) {
            drop();
            return;
        }
        ControlPacket packet = ok.value().packet();
        // Session id before replay accounting, so another session's packets cannot disturb the window.
        if (!packet.sessionId().equals(remoteSessionId)) {
            drop();
            return;
        }
        if (!codec.accept(ok.value(), nowNanos).isOk()) {
            drop();
            return;
        }
        Opcode op = packet.opcode();
        int keyId = packet.keyId();
        if (op == Opcode.P_CONTROL_HARD_RESET_SERVER_V2 || op == Opcode.P_CONTROL_HARD_RESET_CLIENT_V3
                || (op == Opcode.P_CONTROL_HARD_RESET_CLIENT_V2 && keyId != 0)) {
            drop();
            return;
        }
        KeyState ks = stateFor(keyId);
        if (ks == null) {
            if (op == Opcode.P_CONTROL_SOFT_RESET_V1 && closingReason == null && primary.active()
                    && keyId == KeyChannel.nextKeyId(primary.keyId())) {
                ks = startRenegotiation(keyId, nowNanos, out); // client-initiated
            } else {
                drop();
                return;
            }
        }
        lastControlReceived = nowNanos;
        ReceiveOutcome outcome = ks.channel.receive(packet);
        if (outcome == ReceiveOutcome.WRONG_SESSION) {
            drop();
            return;
        }
        process(ks, nowNanos, out, after);
    }

    private KeyState stateFor(int keyId) {
        if (primary.keyId() == keyId) {
            return primary;
        }
        return lameDuck != null && lameDuck.keyId() == keyId ? lameDuck : null;
    }

    private KeyState startRenegotiation(int keyId, long nowNanos, List<SessionOutput> out) {
        if (lameDuck != null) {
            out.add(new SessionOutput.RetireKeys(lameDuck.keyId()));
        }
        lameDuck = primary;
        lameDuck.retireAt = nowNanos + config.transitionWindow().toNanos();
        primary = newKeyState(keyId, nowNanos);
        primary.channel.reliable.enqueue(Opcode.P_CONTROL_SOFT_RESET_V1, new byte[0]);
        return primary;
    }

    private void process(KeyState ks, long nowNanos, List<SessionOutput> out, List<SessionOutput> after) {
        if (ks.channel.failure != null) {
            fail("TLS handshake failed on key id " + ks.keyId() + ": " + ks.channel.failure);
            return;
        }
        if (!ks.keyMethodReceived() && ks.channel.hasAppData()) {
            byte[] chunk = ks.channel.takeAppData();
            ks.bytesFedToReader += chunk.length;
            KeyMethod2Reader.Result r = ks.reader.feed(chunk);
            if (r instanceof KeyMethod2Reader.Malformed m) {
                fail("malformed key-method 2 message: " + m.detail());
                return;
            }
            if (r instanceof KeyMethod2Reader.Complete c) {
                int rest = (int) (ks.bytesFedToReader - c.consumed());
                if (rest > 0 && rest <= chunk.length) {
                    ks.channel.unread(Arrays.copyOfRange(chunk, chunk.length - rest, chunk.length));
                }
                ks.reader = null;
                onClientKeyMethod2(ks, c.message(), nowNanos, out, after);
            }
        }
        if (ks.keyMethodReceived() && ks.channel.hasAppData()) {
            for (ClientMessage m : ClientMessage.parseAll(ks.channel.takeAppData())) {
                onClientMessage(ks, m);
            }
        }
    }

    private void onClientKeyMethod2(KeyState ks, ClientKeyMethod2 message, long nowNanos, List<SessionOutput> out,
            List<SessionOutput> after) {
        ks.clientSource = message.keySource();
        ks.serverSource = KeySource.randomForServer(random);
        ks.channel.sendApp(new ServerKeyMethod2(ks.serverSource, serverOptions(message)).encode());
        List<X509Certificate> chain = ks.channel.tls.peerCertificates();
        if (auth == Auth.NONE) {
            peerInfo = message.peerInfo();
            cipher = Negotiation.chooseCipher(config.dataCiphers(), peerInfo, message.options());
            keyExport = peerInfo.hasProtoFlag(PeerInfo.PROTO_TLS_KEY_EXPORT)
                    && ks.channel.tls.exportKeyingMaterial(Key2.EXPORTER_LABEL).isPresent();
            dataV2 = peerInfo.hasProtoFlag(PeerInfo.PROTO_DATA_V2);
            clientLeafDigest = leafDigest(chain);
            username = message.username();
            if (cipher == null) {
                message.password().wipe();
                rejectAuthentication("no common data cipher (server offers "
                        + config.dataCiphers().stream().map(AeadAlgorithm::openVpnName).toList() + ")");
                return;
            }
            auth = Auth.PENDING;
            // After this event's sends: the endpoint may answer synchronously without reordering packets.
            after.add(new SessionOutput.Authenticate(chain,
                    username.isEmpty() ? Optional.empty() : Optional.of(username),
                    message.password().isEmpty() ? Optional.empty() : Optional.of(message.password()), peerInfo));
            return;
        }
        // Renegotiation: same client identity, no second Authenticate.
        message.password().wipe();
        if (!Arrays.equals(leafDigest(chain), clientLeafDigest)) {
            fail("client certificate changed on renegotiation");
            return;
        }
        if (!message.username().isEmpty() && !message.username().equals(username)) {
            fail("username changed on renegotiation");
            return;
        }
        activate(ks, nowNanos, out);
    }

    private void onClientMessage(KeyState ks, ClientMessage message) {
        if (message instanceof ClientMessage.PushRequest) {
            if (auth == Auth.ACCEPTED) {
                sendPushReply(ks);
            } else if (auth == Auth.REJECTED && authFailedMessage != null) {
                ks.channel.sendApp(ServerMessages.encode(authFailedMessage));
            }
            // Pending: the reliable layer ACKs the request; the reply follows the decision.
        } else if (message instanceof ClientMessage.Exit) {
            closeNow("client sent EXIT", true);
        }
        // CR_RESPONSE and unknown messages: not handled by this engine.
    }

    private void activate(KeyState ks, long nowNanos, List<SessionOutput> out) {
        Key2 key2;
        if (keyExport) {
            Optional<byte[]> ekm = ks.channel.tls.exportKeyingMaterial(Key2.EXPORTER_LABEL);
            if (ekm.isEmpty()) {
                fail("TLS keying-material export unavailable on key id " + ks.keyId());
                return;
            }
            key2 = Key2.fromExporter(ekm.get());
        } else {
            key2 = Key2.fromPrf(ks.clientSource, ks.serverSource, remoteSessionId, localSessionId);
        }
        ks.clientSource = null;
        ks.serverSource = null;
        ks.channel.tls.forgetKeyingMaterial();
        ks.cipher = new DataChannelCipher(key2.serverKeys(cipher), ks.keyId(),
                dataV2 ? peerId : DataPacketHeader.ABSENT_PEER_ID, new ReplayWindow());
        key2.wipe();
        activeSince = nowNanos;
        out.add(new SessionOutput.InstallKeys(ks.keyId(), ks.cipher));
    }

    private void sendPushReply(KeyState ks) {
        for (String m : pushReply) {
            ks.channel.sendApp(ServerMessages.encode(m));
        }
    }

    private void rejectAuthentication(String failureMessage) {
        auth = Auth.REJECTED;
        authFailedMessage = ServerMessages.authFailed(printable(failureMessage));
        primary.channel.sendApp(ServerMessages.encode(authFailedMessage));
        lingerThenClose("authentication failed" + (failureMessage == null || failureMessage.isEmpty()
                ? "" : ": " + failureMessage), false, lastNow);
    }

    private String serverOptions(ClientKeyMethod2 message) {
        return ServerKeyMethod2.DEFAULT_OPTIONS;
    }

    // ---------------------------------------------------------------- closing and output

    private void fail(String reason) {
        closeNow(reason, false);
    }

    /** Flushes what is queued (ACKs, alerts) and closes at the end of this event. */
    private void closeNow(String reason, boolean byClient) {
        if (closingReason == null || closingDeadline - lastNow > 0) {
            closingReason = reason;
            closingByClient = byClient;
            closingDeadline = lastNow;
        }
    }

    private void lingerThenClose(String reason, boolean byClient, long nowNanos) {
        if (closingReason == null) {
            closingReason = reason;
            closingByClient = byClient;
            closingDeadline = nowNanos + CLOSE_LINGER_NANOS;
        }
    }

    private List<SessionOutput> finish(long nowNanos, List<SessionOutput> out, List<SessionOutput> after) {
        boolean sent = false;
        for (KeyState ks : new KeyState[] {lameDuck, primary}) {
            if (ks == null) {
                continue;
            }
            for (ControlPacket p : ks.channel.reliable.poll(nowNanos)) {
                out.add(new SessionOutput.Send(codec.seal(p)));
                sent = true;
            }
        }
        if (sent) {
            lastControlSent = nowNanos;
        }
        out.addAll(after);
        if (closingReason != null
                && (nowNanos - closingDeadline >= 0 || primary.channel.reliable.unacknowledgedCount() == 0)) {
            closed = true;
            out.add(new SessionOutput.Closed(closingReason, closingByClient));
        }
        return List.copyOf(out);
    }

    private void drop() {
        droppedPackets++;
    }

    private static byte[] leafDigest(List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(chain.get(0).getEncoded());
        } catch (CertificateEncodingException e) {
            return new byte[0];
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks SHA-256", e);
        }
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c <= 0x7e ? c : '?');
        }
        return b.toString();
    }

    /**
     * When the next keepalive ping is due: the interval after the last packet sent, brought forward
     * onto a whole-second grid of the monotonic clock (up to {@link #KEEPALIVE_GRID_NANOS} early, as
     * the stock server's one-second timer does), so that the pings of many idle sessions fall due
     * together and a timer wakes once per grid step for all of them rather than once per session.
     */
    private long keepaliveDue() {
        long due = latest(lastControlSent, lastDataSent) + config.keepaliveInterval().toNanos();
        return due - Math.floorMod(due, KEEPALIVE_GRID_NANOS);
    }

    private static long latest(long a, long b) {
        return a - b >= 0 ? a : b;
    }

    private static long earliest(long current, long candidate) {
        if (current == Long.MAX_VALUE) {
            return candidate;
        }
        if (candidate == Long.MAX_VALUE) {
            return current;
        }
        return candidate - current < 0 ? candidate : current;
    }
}
