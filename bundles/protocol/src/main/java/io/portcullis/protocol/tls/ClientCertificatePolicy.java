package io.portcullis.protocol.tls;

/** Whether the TLS server asks for a client certificate (OpenVPN's verify-client-cert). */
public enum ClientCertificatePolicy {
    /** Do not ask (user/password or SAML-only deployments). */
    NONE,
    /** Ask; an empty Certificate message is accepted. */
    OPTIONAL,
    /** Ask and abort the handshake without one. Chain validation is the caller's job. */
    REQUIRED
}
