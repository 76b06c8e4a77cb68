package io.portcullis.protocol.wrap;

/** Digests usable with tls-auth ({@code --auth}). */
public enum HmacAlgorithm {
    SHA1("HmacSHA1", 20),
    SHA256("HmacSHA256", 32),
    SHA512("HmacSHA512", 64);

    private final String jcaName;
    private final int length;

    HmacAlgorithm(String jcaName, int length) {
        this.jcaName = jcaName;
        this.length = length;
    }

    public String jcaName() {
        return jcaName;
    }

    /** Output (and key) length in bytes. */
    public int length() {
        return length;
    }
}
