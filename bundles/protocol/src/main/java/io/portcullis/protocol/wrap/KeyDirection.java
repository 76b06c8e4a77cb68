package io.portcullis.protocol.wrap;

/**
 * Which key record of a {@link StaticKey} is used for sending and which for receiving
 * (OpenVPN's {@code key-direction}).
 */
public enum KeyDirection {
    /** No key-direction: both directions use record 0. */
    BIDIRECTIONAL(0, 0),
    /** {@code key-direction 0}, usual on servers. */
    NORMAL(0, 1),
    /** {@code key-direction 1}, usual on clients. */
    INVERSE(1, 0);

    private final int outRecord;
    private final int inRecord;

    KeyDirection(int outRecord, int inRecord) {
        this.outRecord = outRecord;
        this.inRecord = inRecord;
    }

    public int outRecord() {
        return outRecord;
    }

    public int inRecord() {
        return inRecord;
    }
}
