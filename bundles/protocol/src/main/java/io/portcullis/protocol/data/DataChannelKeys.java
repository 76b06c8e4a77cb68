package io.portcullis.protocol.data;

/**
 * One side's data-channel keys for one key id: cipher key and 8-byte implicit IV for each
 * direction. Arrays are not copied; treat them as secret and immutable.
 */
public record DataChannelKeys(AeadAlgorithm algorithm, byte[] encryptKey, byte[] encryptImplicitIv,
        byte[] decryptKey, byte[] decryptImplicitIv) {

    public DataChannelKeys {
        if (encryptKey.length != algorithm.keyLength() || decryptKey.length != algorithm.keyLength()
                || encryptImplicitIv.length != AeadAlgorithm.IMPLICIT_IV_LENGTH
                || decryptImplicitIv.length != AeadAlgorithm.IMPLICIT_IV_LENGTH) {
            throw new IllegalArgumentException("key or implicit IV length does not fit " + algorithm);
        }
    }

    @Override
    public String toString() {
        return "DataChannelKeys[" + algorithm + ", ***]";
    }
}
