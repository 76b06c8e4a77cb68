package io.portcullis.e2e;

/** The endpoint's {@code controlChannelProtection} values (OpenVPN: tls-crypt, tls-auth, nothing). */
public enum ControlChannelProtection {
    TLS_CRYPT("tls-crypt"), TLS_AUTH("tls-auth"), NONE("none");

    private final String value;

    ControlChannelProtection(String value) {
        this.value = value;
    }

    /** As written in the endpoint configuration and the OpenVPN option name. */
    public String value() {
        return value;
    }
}
