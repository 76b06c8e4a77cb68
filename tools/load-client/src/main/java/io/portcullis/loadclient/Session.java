package io.portcullis.loadclient;

import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.session.ClientSession;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.TimeUnit;

/** One load session: its socket, its protocol engine and its timers. Touched by its worker thread only. */
final class Session {

    enum State {
        HANDSHAKING,
        ESTABLISHED,
        /** The handshake did not complete. */
        FAILED,
        /** Established, then ended before the teardown (server RESTART/HALT, ping-restart, socket error). */
        LOST,
        /** Ended by the teardown. */
        CLOSED;

        boolean isOver() {
            return this == FAILED || this == LOST || this == CLOSED;
        }
    }

    final int index;
    final DatagramChannel channel;
    final ClientSession engine;
    final long startedNanos;
    SelectionKey key;
    State state = State.HANDSHAKING;
    /** Installed data keys by key id; the newest one seals. */
    final DataChannelCipher[] keys = new DataChannelCipher[8];
    int sendKeyId = -1;
    long lastSentNanos;
    long lastReceivedNanos;
    long pingNanos = TimeUnit.SECONDS.toNanos(10);
    long pingRestartNanos = TimeUnit.SECONDS.toNanos(60);
    /** The wake-up time queued for this session, {@link Long#MAX_VALUE} when none. */
    long timerAt = Long.MAX_VALUE;
    /** Key id of the client-initiated renegotiation under way, -1 when none. */
    int renegotiatingKeyId = -1;
    long renegotiationStartedNanos;
    String lastSocketError;

    Session(int index, DatagramChannel channel, ClientSession engine, long startedNanos) {
        this.index = index;
        this.channel = channel;
        this.engine = engine;
        this.startedNanos = startedNanos;
        this.lastSentNanos = startedNanos;
        this.lastReceivedNanos = startedNanos;
    }

    DataChannelCipher sendKey() {
        return sendKeyId < 0 ? null : keys[sendKeyId];
    }
}
