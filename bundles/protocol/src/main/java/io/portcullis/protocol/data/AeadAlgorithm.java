package io.portcullis.protocol.data;

import java.util.Optional;

/** Data-channel AEAD ciphers, with the names OpenVPN uses in {@code cipher} and IV_CIPHERS. */
public enum AeadAlgorithm {
    AES_128_GCM("AES-128-GCM", 16, "AES/GCM/NoPadding", "AES"),
    AES_256_GCM("AES-256-GCM", 32, "AES/GCM/NoPadding", "AES"),
    CHACHA20_POLY1305("CHACHA20-POLY1305", 32, "ChaCha20-Poly1305", "ChaCha20");

    public static final int TAG_LENGTH = 16;
    public static final int IMPLICIT_IV_LENGTH = 8;
    public static final int NONCE_LENGTH = 12;

    private final String openVpnName;
    private final int keyLength;
    private final String transformation;
    private final String keyAlgorithm;

    AeadAlgorithm(String openVpnName, int keyLength, String transformation, String keyAlgorithm) {
        this.openVpnName = openVpnName;
        this.keyLength = keyLength;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
    }

    public String openVpnName() {
        return openVpnName;
    }

    public int keyLength() {
        return keyLength;
    }

    String transformation() {
        return transformation;
    }

    String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** Looks up an OpenVPN cipher name, case-insensitively (clients send upper case). */
    public static Optional<AeadAlgorithm> byOpenVpnName(String name) {
        for (AeadAlgorithm a : values()) {
            if (a.openVpnName.equalsIgnoreCase(name.trim())) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
