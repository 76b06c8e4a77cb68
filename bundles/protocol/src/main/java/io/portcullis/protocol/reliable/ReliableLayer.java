package io.portcullis.protocol.reliable;

import io.portcullis.protocol.packet.AckBlock;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.SessionId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reliable delivery of control packets for one key id (reference §2.2–2.4). Each direction
 * numbers its packets from 0 without gaps; the receiver delivers strictly in order, buffers
 * up to {@value #RECEIVE_CAPACITY} packets ahead and ACKs each id individually; the sender
 * keeps at most {@value #SEND_WINDOW} packets beyond the lowest unacknowledged one and
 * retransmits with exponential back-off, or at once after three later ids were ACKed.
 * <p>
 * Time is injected ({@code nowNanos}, any monotonic origin). Not thread-safe.
 */
public final class ReliableLayer {

    public static final int SEND_WINDOW = 6;
    public static final int RECEIVE_CAPACITY = 12;
    /** OpenVPN piggybacks at most 4 ACKs on a control packet, 8 in a P_ACK_V1. */
    public static final int MAX_PIGGYBACK_ACKS = 4;
    public static final long DEFAULT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int FAST_RETRANSMIT_THRESHOLD = 3;
    private static final long MAX_TIMEOUT_NANOS = TimeUnit.HOURS.toNanos(1);

    private final int keyId;
    private final SessionId localSessionId;
    private final long initialTimeoutNanos;
    private SessionId remoteSessionId = SessionId.UNDEFINED;

    private final ArrayDeque<Outgoing> sendQueue = new ArrayDeque<>();
    private long nextSendId;

    private final TreeMap<Long, ControlPacket.Reliable> receiveBuffer = new TreeMap<>();
    private final ArrayDeque<ControlPacket.Reliable> deliverable = new ArrayDeque<>();
    private long nextExpected;
    private final LinkedHashSet<Long> pendingAcks = new LinkedHashSet<>();

    public ReliableLayer(int keyId, SessionId localSessionId) {
        this(keyId, localSessionId, DEFAULT_TIMEOUT_NANOS);
    }

    public ReliableLayer(int keyId, SessionId localSessionId, long initialTimeoutNanos) {
        if (!localSessionId.isDefined()) {
            throw new IllegalArgumentException("local session id must be defined");
        }
        this.keyId = keyId;
        this.localSessionId = localSessionId;
        this.initialTimeoutNanos = initialTimeoutNanos;
    }

    private static final class Outgoing {
        final long id;
        final Opcode opcode;
        final byte[] payload;
        boolean sent;
        boolean acked;
        boolean resendNow;
        long nextTry;
        long timeout;
        int laterAcks;

        Outgoing(long id, Opcode opcode, byte[] payload, long timeout) {
            this.id = id;
            this.opcode = opcode;
            this.payload = payload;
            this.timeout = timeout;
        }
    }

    public int keyId() {
        return keyId;
    }

    public SessionId localSessionId() {
        return localSessionId;
    }

    public SessionId remoteSessionId() {
        return remoteSessionId;
    }

    /** The peer's session id, needed before anything can be ACKed. */
    public void setRemoteSessionId(SessionId remote) {
        this.remoteSessionId = remote;
    }

    /**
     * Queues one reliable packet; it gets the next message packet-id and goes out when the
     * send window allows. Returns the assigned id.
     */
    public long enqueue(Opcode opcode, byte[] payload) {
        if (!opcode.isReliable()) {
            throw new IllegalArgumentException(opcode + " is not sent reliably");
        }
        long id = nextSendId++;
        sendQueue.add(new Outgoing(id, opcode, payload, initialTimeoutNanos));
        return id;
    }

    /** Queues a byte stream (TLS output) as P_CONTROL_V1 packets of at most {@code maxPayload} bytes. */
    public void enqueueStream(byte[] bytes, int maxPayload) {
        for (int off = 0; off < bytes.length; off += maxPayload) {
            int len = Math.min(maxPayload, bytes.length - off);
            enqueue(Opcode.P_CONTROL_V1, java.util.Arrays.copyOfRange(bytes, off, off + len));
        }
    }

    /**
     * Skips message packet-ids, e.g. when a stateless server resumes after its cookie reset
     * (its own reset was id 0 and the client's reset id 0 was already handled).
     */
    public void resumeAfterStatelessReset(long nextSendId, long nextExpected) {
        if (!sendQueue.isEmpty() || !receiveBuffer.isEmpty() || this.nextSendId != 0 || this.nextExpected != 0) {
            throw new IllegalStateException("only on a fresh layer");
        }
        this.nextSendId = nextSendId;
        this.nextExpected = nextExpected;
    }

    /**
     * Processes an authenticated, replay-checked control packet of this key id: its ACKs,
     * and for reliable packets buffering and ACK scheduling.
     */
    public ReceiveOutcome receive(ControlPacket packet) {
        AckBlock acks = packet.acks();
        if (!acks.isEmpty()) {
            if (!acks.remoteSessionId().equals(localSessionId)) {
                return ReceiveOutcome.WRONG_SESSION;
            }
            for (long id : acks.packetIds()) {
                acknowledge(id);
            }
        }
        if (!(packet instanceof ControlPacket.Reliable r)) {
            return ReceiveOutcome.ACK_ONLY;
        }
        long id = r.messagePacketId();
        if (id < nextExpected) {
            pendingAcks.add(id);
            return ReceiveOutcome.DUPLICATE;
        }
        if (id >= nextExpected + RECEIVE_CAPACITY) {
            return ReceiveOutcome.OUT_OF_WINDOW;
        }
        pendingAcks.add(id);
        if (receiveBuffer.putIfAbsent(id, r) != null) {
            return ReceiveOutcome.DUPLICATE;
        }
        while (!receiveBuffer.isEmpty() && receiveBuffer.firstKey() == nextExpected) {
            deliverable.add(receiveBuffer.pollFirstEntry().getValue());
            nextExpected++;
        }
        return ReceiveOutcome.ACCEPTED;
    }

    /** Packets that became deliverable, in message packet-id order; each is returned once. */
    public List<ControlPacket.Reliable> pollDeliverable() {
        List<ControlPacket.Reliable> out = new ArrayList<>(deliverable);
        deliverable.clear();
        return out;
    }

    private void acknowledge(long id) {
        for (Outgoing o : sendQueue) {
            if (o.id == id) {
                o.acked = true;
            } else if (o.id < id && o.sent && !o.acked && ++o.laterAcks >= FAST_RETRANSMIT_THRESHOLD) {
                o.resendNow = true;
                o.laterAcks = 0;
            }
        }
        while (!sendQueue.isEmpty() && sendQueue.peekFirst().acked) {
            sendQueue.pollFirst();
        }
    }

    /**
     * Packets to transmit now: first sends and due retransmissions within the send window
     * (carrying up to 4 pending ACKs each), then P_ACK_V1s for remaining ACKs.
     */
    public List<ControlPacket> poll(long nowNanos) {
        List<ControlPacket> out = new ArrayList<>();
        long windowEnd = sendQueue.isEmpty() ? nextSendId : sendQueue.peekFirst().id + SEND_WINDOW;
        for (Outgoing o : sendQueue) {
            if (o.id >= windowEnd) {
                break;
            }
            if (o.acked || (o.sent && !o.resendNow && nowNanos - o.nextTry < 0)) {
                continue;
            }
            out.add(new ControlPacket.Reliable(o.opcode, keyId, localSessionId, takeAcks(MAX_PIGGYBACK_ACKS),
                    o.id, o.payload));
            o.sent = true;
            o.resendNow = false;
            o.nextTry = nowNanos + o.timeout;
            // Exponential as in OpenVPN; capped only so the arithmetic cannot overflow.
            o.timeout = Math.min(o.timeout * 2, MAX_TIMEOUT_NANOS);
        }
        while (!pendingAcks.isEmpty() && remoteSessionId.isDefined()) {
            out.add(new ControlPacket.Ack(keyId, localSessionId, takeAcks(AckBlock.MAX_ACKS)));
        }
        return out;
    }

    private AckBlock takeAcks(int max) {
        if (pendingAcks.isEmpty() || !remoteSessionId.isDefined()) {
            return AckBlock.EMPTY;
        }
        List<Long> ids = new ArrayList<>(Math.min(max, pendingAcks.size()));
        Iterator<Long> it = pendingAcks.iterator();
        while (it.hasNext() && ids.size() < max) {
            ids.add(it.next());
            it.remove();
        }
        return new AckBlock(ids, remoteSessionId);
    }

    /**
     * When {@link #poll} next has something to send: {@code nowNanos} if ACKs or new packets
     * are pending, the earliest retransmission time otherwise, {@link Long#MAX_VALUE} if idle.
     */
    public long nextWakeupNanos(long nowNanos) {
        if (!pendingAcks.isEmpty() && remoteSessionId.isDefined()) {
            return nowNanos;
        }
        long wake = Long.MAX_VALUE;
        long windowEnd = sendQueue.isEmpty() ? nextSendId : sendQueue.peekFirst().id + SEND_WINDOW;
        for (Outgoing o : sendQueue) {
            if (o.id >= windowEnd) {
                break;
            }
            if (o.acked) {
                continue;
            }
            if (!o.sent || o.resendNow) {
                return nowNanos;
            }
            if (wake == Long.MAX_VALUE || o.nextTry - wake < 0) {
                wake = o.nextTry;
            }
        }
        return wake;
    }

    /** True when every queued packet was acknowledged and no ACK is owed. */
    public boolean isIdle() {
        return sendQueue.isEmpty() && pendingAcks.isEmpty();
    }

    /** Packets queued or in flight but not yet acknowledged. */
    public int unacknowledgedCount() {
        return (int) sendQueue.stream().filter(o -> !o.acked).count();
    }

    /** Lowest message packet-id not yet acknowledged (next to be assigned if none). */
    public long lowestUnacknowledged() {
        return sendQueue.isEmpty() ? nextSendId : sendQueue.peekFirst().id;
    }

    /** Next message packet-id expected from the peer. */
    public long nextExpected() {
        return nextExpected;
    }
}
