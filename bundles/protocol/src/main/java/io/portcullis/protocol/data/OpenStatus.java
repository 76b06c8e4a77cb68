package io.portcullis.protocol.data;

import io.portcullis.protocol.packet.DropReason;

/** Outcome of {@link DataChannelCipher#open}; an enum so the per-packet path allocates nothing. */
public enum OpenStatus {
    OK(null),
    TRUNCATED(DropReason.TRUNCATED),
    UNEXPECTED_OPCODE(DropReason.UNEXPECTED_OPCODE),
    UNEXPECTED_KEY_ID(DropReason.UNEXPECTED_KEY_ID),
    AUTHENTICATION_FAILED(DropReason.AUTHENTICATION_FAILED),
    REPLAY(DropReason.REPLAY),
    /** The plaintext would not fit the caller's output buffer. */
    TOO_LARGE(DropReason.TOO_LARGE);

    private final DropReason dropReason;

    OpenStatus(DropReason dropReason) {
        this.dropReason = dropReason;
    }

    /** The drop reason, or {@code null} for {@link #OK}. */
    public DropReason dropReason() {
        return dropReason;
    }
}
