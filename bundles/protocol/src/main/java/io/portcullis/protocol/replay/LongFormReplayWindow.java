package io.portcullis.protocol.replay;

/**
 * Replay check for the "long form" packet id of tls-auth/tls-crypt: a 32-bit counter plus a
 * 32-bit sender time. Ordering key is {@code (time, id)}: a packet with an older time is a
 * replay, a newer time starts a fresh window (OpenVPN's packet_id_test/packet_id_add).
 */
public final class LongFormReplayWindow {

    private final ReplayWindow window;
    private long time = -1;

    public LongFormReplayWindow() {
        this(new ReplayWindow());
    }

    public LongFormReplayWindow(ReplayWindow window) {
        this.window = window;
    }

    public boolean wouldAccept(long id, long senderTime, long nowNanos) {
        if (id <= 0 || senderTime < time) {
            return false;
        }
        return senderTime > time || window.wouldAccept(id, nowNanos);
    }

    /** Checks and records; call only after the packet authenticated. */
    public boolean tryAccept(long id, long senderTime, long nowNanos) {
        if (!wouldAccept(id, senderTime, nowNanos)) {
            return false;
        }
        if (senderTime > time) {
            window.reset();
            time = senderTime;
        }
        return window.tryAccept(id, nowNanos);
    }
}
