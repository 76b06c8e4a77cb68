package io.portcullis.protocol.session;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.keymethod.ClientKeyMethod2;
import io.portcullis.protocol.keymethod.KeyMethod2Format;
import io.portcullis.protocol.keymethod.ServerKeyMethod2;
import io.portcullis.protocol.keys.Key2;
import io.portcullis.protocol.keys.KeySource;
import io.portcullis.protocol.message.ServerMessages;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.DataPacketHeader;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.packet.SessionId;
import io.portcullis.protocol.replay.ReplayWindow;
import io.portcullis.protocol.tls.ControlChannelTls;
import io.portcullis.protocol.wrap.ControlChannelCodec;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import io.portcullis.protocol.wrap.Unwrapped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A minimal OpenVPN 2.6-style client engine, for in-memory tests and load generation against
 * {@link ServerSession}: hard reset, TLS, key-method 2, PUSH_REQUEST, PUSH_REPLY parsing
 * (cipher, peer-id, key derivation), data-key installation, and renegotiation (own reneg-sec
 * or server-initiated). It emits {@link SessionOutput.Send}, {@link SessionOutput.InstallKeys},
 * {@link SessionOutput.RetireKeys}, {@link SessionOutput.Established} (PUSH_REPLY applied) and
 * {@link SessionOutput.Closed} (AUTH_FAILED, RESTART, HALT, TLS failure, timeout). No keepalive,
 * no compression, no AUTH_PENDING. Same threading rules as {@link ServerSession}: serialized calls.
 */
public final class ClientSession {

    public static final long PUSH_REQUEST_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final class KeyState {
        final KeyChannel channel;
        boolean helloQueued;
        KeySource clientSource;
        ServerKeyMethod2 serverReply;
        DataChannelCipher cipher;
        long retireAt;

        KeyState(KeyChannel channel) {
            this.channel = channel;
        }

        int keyId() {
            return channel.keyId;
        }
    }

    private final ClientSessionConfig config;
    private final SecureRandom random;
    private final SessionId localSessionId;
    private SessionId remoteSessionId = SessionId.UNDEFINED;
    private final ControlChannelCodec codec;
    private final int wrapOverhead;
    private io.portcullis.protocol.tls.TlsCredentials credentials;
    private KeyState primary;
    private KeyState lameDuck;
    private long lastNow;
    private long droppedPackets;
    private long lastPushRequest;
    private final List<String> pendingPush = new ArrayList<>();
    private List<String> pushedOptions;
    private final List<String> receivedMessages = new ArrayList<>();
    private AeadAlgorithm cipher;
    private boolean keyExport;
    private int pushedPeerId = DataPacketHeader.ABSENT_PEER_ID;
    private boolean established;
    private long activeSince;
    private String closeReason;
    private boolean closed;

    public ClientSession(ClientSessionConfig config, long nowNanos, long unixSeconds, SecureRandom random) {
        this.config = config;
        this.random = random;
        this.localSessionId = SessionId.random(random);
        ControlChannelProtection protection = config.protection();
        this.codec = new ControlChannelCodec(protection, unixSeconds);
        this.wrapOverhead = protection.overhead();
        this.lastNow = nowNanos;
        this.credentials = config.credentials();
        this.primary = newKeyState(0, nowNanos);
    }

    private KeyState newKeyState(int keyId, long nowNanos) {
        return new KeyState(new KeyChannel(keyId, localSessionId, remoteSessionId,
                ControlChannelTls.client(credentials, random), wrapOverhead, nowNanos));
    }

    /** Tests: present other credentials on later key negotiations (a misbehaving client). */
    void useCredentialsForNextKeys(io.portcullis.protocol.tls.TlsCredentials next) {
        this.credentials = next;
    }

    /** The client hard reset. */
    public List<SessionOutput> start(long nowNanos) {
        lastNow = nowNanos;
        primary.channel.reliable.enqueue(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, new byte[0]);
        return finish(nowNanos, new ArrayList<>(), new ArrayList<>());
    }

    /** A control packet from the server (data packets are the caller's business). */
    public List<SessionOutput> onControlPacket(ByteBuffer wire, long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        List<SessionOutput> after = new ArrayList<>();
        try {
            handle(wire, nowNanos, out, after);
        } catch (RuntimeException e) {
            droppedPackets++;
        }
        return finish(nowNanos, out, after);
    }

    public List<SessionOutput> onTick(long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        if (primary.cipher == null && nowNanos - primary.channel.startedNanos >= config.handshakeWindow().toNanos()) {
            closeReason = "key negotiation did not complete within hand-window";
        }
        if (lameDuck != null && nowNanos - lameDuck.retireAt >= 0) {
            out.add(new SessionOutput.RetireKeys(lameDuck.keyId()));
            lameDuck = null;
        }
        long reneg = config.renegotiateAfter().toNanos();
        if (closeReason == null && reneg > 0 && established && primary.cipher != null
                && nowNanos - activeSince >= reneg) {
            startRenegotiation(KeyChannel.nextKeyId(primary.keyId()), nowNanos, out);
        }
        if (closeReason == null && !established && primary.keyId() == 0 && primary.serverReply != null
                && nowNanos - lastPushRequest >= PUSH_REQUEST_INTERVAL_NANOS) {
            sendPushRequest(nowNanos);
        }
        return finish(nowNanos, out, new ArrayList<>());
    }

    /**
     * Starts a client-initiated renegotiation now (a soft reset with the next key id), as the
     * client's own reneg-sec would. Ignored (an empty list) unless the session is established and
     * no renegotiation or close is under way. It is complete when an {@link SessionOutput.InstallKeys}
     * for {@link #currentKeyId()} follows; until then data keeps flowing on the previous key.
     */
    public List<SessionOutput> renegotiate(long nowNanos) {
        if (closed || !established || closeReason != null || primary.cipher == null) {
            return List.of();
        }
        lastNow = nowNanos;
        List<SessionOutput> out = new ArrayList<>();
        startRenegotiation(KeyChannel.nextKeyId(primary.keyId()), nowNanos, out);
        return finish(nowNanos, out, new ArrayList<>());
    }

    /** Sends the {@code EXIT} control message (meaningful when the server pushed cc-exit). */
    public List<SessionOutput> sendExit(long nowNanos) {
        if (closed) {
            return List.of();
        }
        lastNow = nowNanos;
        primary.channel.sendApp(ServerMessages.encode("EXIT"));
        return finish(nowNanos, new ArrayList<>(), new ArrayList<>());
    }

    /** Earliest time {@link #onTick} has work; {@link Long#MAX_VALUE} once closed. */
    public long nextWakeupNanos() {
        if (closed) {
            return Long.MAX_VALUE;
        }
        long w = primary.channel.reliable.nextWakeupNanos(lastNow);
        if (lameDuck != null) {
            w = Math.min(w, lameDuck.channel.reliable.nextWakeupNanos(lastNow));
            w = Math.min(w, lameDuck.retireAt);
        }
        if (primary.cipher == null) {
            w = Math.min(w, primary.channel.startedNanos + config.handshakeWindow().toNanos());
        }
        if (!established && primary.serverReply != null) {
            w = Math.min(w, lastPushRequest + PUSH_REQUEST_INTERVAL_NANOS);
        }
        long reneg = config.renegotiateAfter().toNanos();
        if (reneg > 0 && established && primary.cipher != null) {
            w = Math.min(w, activeSince + reneg);
        }
        return w;
    }

    public SessionId localSessionId() {
        return localSessionId;
    }

    public long droppedPackets() {
        return droppedPackets;
    }

    public boolean isEstablished() {
        return established && !closed;
    }

    /** The options of the applied PUSH_REPLY (continuations joined), once received. */
    public Optional<List<String>> pushedOptions() {
        return Optional.ofNullable(pushedOptions);
    }

    /** Every text control message received from the server, in order. */
    public List<String> receivedMessages() {
        return List.copyOf(receivedMessages);
    }

    public int currentKeyId() {
        return primary.keyId();
    }

    // ---------------------------------------------------------------- internals

    private void handle(ByteBuffer wire, long nowNanos, List<SessionOutput> out, List<SessionOutput> after) {
        ParseResult<Unwrapped> unwrapped = codec.protection().unwrap(wire);
        if (!(unwrapped instanceof ParseResult.Ok<Unwrapped> ok)) {
            droppedPackets++;
            return;
        }
        ControlPacket packet = ok.value().packet();
        Opcode op = packet.opcode();
        if (op == Opcode.P_CONTROL_HARD_RESET_CLIENT_V2 || op == Opcode.P_CONTROL_HARD_RESET_CLIENT_V3
                || op == Opcode.P_CONTROL_WKC_V1) {
            droppedPackets++;
            return;
        }
        if (!remoteSessionId.isDefined()) {
            if (op != Opcode.P_CONTROL_HARD_RESET_SERVER_V2 || packet.keyId() != 0
                    || !packet.sessionId().isDefined()) {
                droppedPackets++;
                return;
            }
            remoteSessionId = packet.sessionId();
            primary.channel.reliable.setRemoteSessionId(remoteSessionId);
        } else if (!packet.sessionId().equals(remoteSessionId)) {
            droppedPackets++;
            return;
        }
        if (!codec.accept(ok.value(), nowNanos).isOk()) {
            droppedPackets++;
            return;
        }
        KeyState ks = stateFor(packet.keyId());
        if (ks == null) {
            if (op == Opcode.P_CONTROL_SOFT_RESET_V1 && primary.cipher != null && closeReason == null
                    && packet.keyId() == KeyChannel.nextKeyId(primary.keyId())) {
                ks = startRenegotiation(packet.keyId(), nowNanos, out); // server-initiated
            } else {
                droppedPackets++;
                return;
            }
        }
        ks.channel.receive(packet);
        if (ks.channel.peerResetSeen && !ks.helloQueued) {
            ks.helloQueued = true;
            ks.channel.queue(ks.channel.tls.takeOutput());
        }
        if (ks.channel.failure != null) {
            closeReason = "TLS failure: " + ks.channel.failure;
            return;
        }
        if (ks.channel.handshakeComplete() && ks.clientSource == null) {
            ks.clientSource = KeySource.randomForClient(random);
            ks.channel.sendApp(new ClientKeyMethod2(KeyMethod2Format.STANDARD, ks.clientSource, config.options(),
                    config.username(), config.password(), config.peerInfo()).encode());
        }
        if (ks.serverReply == null && ks.channel.hasAppData()) {
            byte[] data = ks.channel.takeAppData();
            int length = serverReplyLength(data);
            if (length < 0 || length > data.length) {
                closeReason = "malformed key-method 2 reply from server";
                return;
            }
            ParseResult<ServerKeyMethod2> reply = ServerKeyMethod2.parse(Arrays.copyOf(data, length));
            if (!reply.isOk()) {
                closeReason = "malformed key-method 2 reply from server";
                return;
            }
            ks.serverReply = reply.valueOrNull();
            ks.channel.unread(Arrays.copyOfRange(data, length, data.length));
            if (ks.keyId() == 0 && !established) {
                sendPushRequest(nowNanos);
            } else {
                activate(ks, nowNanos, out);
            }
        }
        if (ks.serverReply != null && ks.channel.hasAppData()) {
            for (String m : splitMessages(ks.channel.takeAppData())) {
                onServerMessage(ks, m, nowNanos, out, after);
            }
        }
    }

    private void onServerMessage(KeyState ks, String m, long nowNanos, List<SessionOutput> out,
            List<SessionOutput> after) {
        receivedMessages.add(m);
        if (m.startsWith("PUSH_REPLY")) {
            if (established) {
                return; // a repeated reply
            }
            boolean more = false;
            for (String o : m.substring("PUSH_REPLY".length()).split(",")) {
                if (o.isEmpty()) {
                    continue;
                }
                if (o.startsWith("push-continuation ")) {
                    more = o.endsWith(" 2");
                    continue;
                }
                pendingPush.add(o);
            }
            if (!more) {
                applyPush(ks, nowNanos, out, after);
            }
        } else if (m.startsWith("AUTH_FAILED") || m.startsWith("RESTART") || m.startsWith("HALT")) {
            closeReason = m;
        }
    }

    private void applyPush(KeyState ks, long nowNanos, List<SessionOutput> out, List<SessionOutput> after) {
        pushedOptions = List.copyOf(pendingPush);
        pendingPush.clear();
        AeadAlgorithm chosen = null;
        boolean dynamicTlsCrypt = false;
        for (String o : pushedOptions) {
            if (o.startsWith("cipher ")) {
                chosen = AeadAlgorithm.byOpenVpnName(o.substring(7)).orElse(null);
            } else if (o.startsWith("peer-id ")) {
                pushedPeerId = Integer.parseInt(o.substring(8).trim());
            } else if (o.equals("key-derivation tls-ekm")) {
                keyExport = true;
            } else if (o.startsWith("protocol-flags ")) {
                List<String> flags = Arrays.asList(o.split(" "));
                keyExport |= flags.contains("tls-ekm");
                // Renegotiations would then be wrapped with a key derived from this TLS session, which
                // this client does not do: say so now rather than fail every soft reset later.
                dynamicTlsCrypt |= flags.contains("dyn-tls-crypt");
            }
        }
        if (dynamicTlsCrypt) {
            closeReason = "the server pushed protocol-flags dyn-tls-crypt, which this client does not implement"
                    + " (do not offer IV_PROTO bit 9)";
            return;
        }
        if (chosen == null) {
            closeReason = "no usable cipher pushed";
            return;
        }
        cipher = chosen;
        activate(ks, nowNanos, out);
        if (closeReason == null) {
            established = true;
            after.add(new SessionOutput.Established(cipher, keyExport));
        }
    }

    private void activate(KeyState ks, long nowNanos, List<SessionOutput> out) {
        Key2 key2;
        if (keyExport) {
            Optional<byte[]> ekm = ks.channel.tls.exportKeyingMaterial(Key2.EXPORTER_LABEL);
            if (ekm.isEmpty()) {
                closeReason = "keying-material export unavailable";
                return;
            }
            key2 = Key2.fromExporter(ekm.get());
        } else {
            key2 = Key2.fromPrf(ks.clientSource, ks.serverReply.keySource(), localSessionId, remoteSessionId);
        }
        ks.channel.tls.forgetKeyingMaterial();
        ks.channel.tls.releaseRecordCiphers(); // the push is in: little is left to send on this key
        ks.cipher = new DataChannelCipher(key2.clientKeys(cipher), ks.keyId(), pushedPeerId, new ReplayWindow());
        key2.wipe();
        activeSince = nowNanos;
        out.add(new SessionOutput.InstallKeys(ks.keyId(), ks.cipher));
    }

    private KeyState startRenegotiation(int keyId, long nowNanos, List<SessionOutput> out) {
        if (lameDuck != null) {
            out.add(new SessionOutput.RetireKeys(lameDuck.keyId()));
        }
        lameDuck = primary;
        lameDuck.retireAt = nowNanos + config.handshakeWindow().toNanos();
        primary = newKeyState(keyId, nowNanos);
        primary.channel.reliable.enqueue(Opcode.P_CONTROL_SOFT_RESET_V1, new byte[0]);
        return primary;
    }

    private void sendPushRequest(long nowNanos) {
        lastPushRequest = nowNanos;
        primary.channel.sendApp(ServerMessages.encode("PUSH_REQUEST"));
    }

    private KeyState stateFor(int keyId) {
        if (primary.keyId() == keyId) {
            return primary;
        }
        return lameDuck != null && lameDuck.keyId() == keyId ? lameDuck : null;
    }

    /** Length of the server's key-method 2 reply at the start of {@code b}, -1 if malformed. */
    static int serverReplyLength(byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b);
        int fixed = 4 + 1 + 2 * KeySource.RANDOM_LENGTH;
        if (b.length < fixed + 2) {
            return -1;
        }
        in.position(fixed);
        for (int i = 0; i < 4 && in.remaining() >= 2; i++) {
            int len = in.getShort() & 0xFFFF;
            if (len > in.remaining()) {
                return -1;
            }
            in.position(in.position() + len);
        }
        return in.position();
    }

    private static List<String> splitMessages(byte[] b) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == 0) {
                if (i > start) {
                    out.add(new String(b, start, i - start, StandardCharsets.US_ASCII).stripTrailing());
                }
                start = i + 1;
            }
        }
        return out;
    }

    private List<SessionOutput> finish(long nowNanos, List<SessionOutput> out, List<SessionOutput> after) {
        for (KeyState ks : new KeyState[] {lameDuck, primary}) {
            if (ks == null) {
                continue;
            }
            for (ControlPacket p : ks.channel.reliable.poll(nowNanos)) {
                out.add(new SessionOutput.Send(codec.seal(p)));
            }
        }
        out.addAll(after);
        if (closeReason != null) {
            closed = true;
            out.add(new SessionOutput.Closed(closeReason, false));
        }
        return List.copyOf(out);
    }
}
