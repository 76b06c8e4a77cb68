package io.portcullis.protocol.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;

/**
 * One direction of a TLS record cipher that can let go of its JDK {@code Cipher} between records.
 * During the handshake it keeps the cipher, as BC's own does; once {@link #release()}d it builds
 * one per record and drops it after. A JDK AES-GCM instance with its key schedules is about
 * 1.3 KiB, two per session, kept for hours to protect the handful of control messages a session
 * sends after its handshake.
 */
final class ReleasableRecordCipher implements TlsAEADCipherImpl {

    /** Makes BC's JCA-backed implementation of this direction. */
    interface Factory {
        TlsAEADCipherImpl create() throws GeneralSecurityException;
    }

    private final Factory factory;
    private byte[] key;
    private TlsAEADCipherImpl cipher;
    private boolean released;

    ReleasableRecordCipher(Factory factory, boolean released) throws GeneralSecurityException {
        this.factory = factory;
        this.released = released;
        this.cipher = released ? null : factory.create();
    }

    /** From now on the cipher lives only from a record's init to its doFinal. */
    void release() {
        released = true;
        cipher = null;
    }

    @Override
    public void setKey(byte[] key, int keyOff, int keyLen) throws IOException {
        this.key = Arrays.copyOfRange(key, keyOff, keyOff + keyLen);
        if (cipher != null) {
            cipher.setKey(key, keyOff, keyLen);
        }
    }

    @Override
    public void init(byte[] nonce, int macSize) throws IOException {
        if (cipher == null) {
            try {
                cipher = factory.create();
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot create the TLS record cipher: " + e.getMessage(), e);
            }
            cipher.setKey(key, 0, key.length);
        }
        cipher.init(nonce, macSize);
    }

    @Override
    public int getOutputSize(int inputLength) {
        return cipher.getOutputSize(inputLength); // BC calls it between init and doFinal
    }

    @Override
    public int doFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
            int outputOffset) throws IOException {
        try {
            return cipher.doFinal(additionalData, input, inputOffset, inputLength, output, outputOffset);
        } finally {
            if (released) {
                cipher = null;
            }
        }
    }
}
