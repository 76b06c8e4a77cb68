package io.portcullis.protocol.reliable;

/** What {@link ReliableLayer#receive} did with a packet. */
public enum ReceiveOutcome {
    /** New in-window packet, buffered for in-order delivery and scheduled for ACK. */
    ACCEPTED,
    /** Already received; not delivered again but ACKed again. */
    DUPLICATE,
    /** Too far ahead of the receive window; dropped without ACK so the peer retransmits. */
    OUT_OF_WINDOW,
    /** A P_ACK_V1; its ACKs were processed. */
    ACK_ONLY,
    /** Its ACK block names another session id: whole packet ignored. */
    WRONG_SESSION
}
