package io.portcullis.protocol.packet;

/** Why an incoming packet or message was dropped. Dropping never answers the peer. */
public enum DropReason {
    /** Shorter than its fixed fields require. */
    TRUNCATED,
    /** Structurally invalid (bad counts, lengths, trailing bytes, zero ids...). */
    MALFORMED,
    /** Opcode undefined or not acceptable here. */
    UNEXPECTED_OPCODE,
    /** Key id not acceptable here. */
    UNEXPECTED_KEY_ID,
    /** HMAC or AEAD tag did not verify. */
    AUTHENTICATION_FAILED,
    /** Packet id already seen or too old. */
    REPLAY,
    /** Session id does not belong to this session. */
    WRONG_SESSION,
    /** Larger than the configured limit. */
    TOO_LARGE
}
