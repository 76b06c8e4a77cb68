package io.portcullis.protocol.wrap;

/** The long-form packet id carried by tls-auth/tls-crypt packets: u32 counter, u32 time. */
public record ReplayId(long packetId, long time) {

    public static final int LENGTH = 8;

    public ReplayId {
        if (packetId < 0 || packetId > 0xFFFF_FFFFL || time < 0 || time > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("replay id fields are u32");
        }
    }
}
