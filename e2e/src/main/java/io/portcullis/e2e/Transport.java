package io.portcullis.e2e;

/** OpenVPN transport, as the {@code proto} option and the endpoint's {@code transportProtocol} spell it. */
public enum Transport {
    UDP, TCP;

    /** {@code udp} / {@code tcp}. */
    public String option() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
