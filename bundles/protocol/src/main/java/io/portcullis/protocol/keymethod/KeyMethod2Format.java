package io.portcullis.protocol.keymethod;

/** Wire variants of the client's key-method 2 message. */
public enum KeyMethod2Format {
    /** Stock OpenVPN: leading u32 zero, u16-length strings. */
    STANDARD,
    /** AWS VPN Client: leading u32 LE total length, u32-length strings (reference §5.2). */
    AWS
}
