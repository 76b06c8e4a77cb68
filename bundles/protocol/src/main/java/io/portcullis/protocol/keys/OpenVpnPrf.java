package io.portcullis.protocol.keys;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TLS 1.0/1.1 PRF (RFC 2246 §5) that OpenVPN uses for key-method 2 key derivation when
 * the TLS exporter is not negotiated: {@code P_MD5(S1, seed) XOR P_SHA1(S2, seed)}.
 * Needs HmacMD5, which FIPS-configured JVMs may refuse.
 */
public final class OpenVpnPrf {

    private OpenVpnPrf() {
    }

    /** {@code PRF(secret, label || seed)} of {@code length} bytes. */
    public static byte[] prf(byte[] secret, byte[] labelAndSeed, int length) {
        int half = (secret.length + 1) / 2;
        byte[] s1 = java.util.Arrays.copyOfRange(secret, 0, half);
        byte[] s2 = java.util.Arrays.copyOfRange(secret, secret.length - half, secret.length);
        byte[] md5 = pHash("HmacMD5", s1, labelAndSeed, length);
        byte[] sha1 = pHash("HmacSHA1", s2, labelAndSeed, length);
        for (int i = 0; i < length; i++) {
            md5[i] ^= sha1[i];
        }
        java.util.Arrays.fill(sha1, (byte) 0);
        return md5;
    }

    // P_hash(K, seed) = HMAC(K, A1 || seed) || HMAC(K, A2 || seed) ..., A0 = seed, Ai = HMAC(K, Ai-1)
    private static byte[] pHash(String algorithm, byte[] key, byte[] seed, int length) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            // An empty half-secret is legal in the PRF but not for SecretKeySpec; OpenVPN never uses one.
            mac.init(new SecretKeySpec(key, algorithm));
            byte[] out = new byte[length];
            byte[] a = seed;
            int pos = 0;
            while (pos < length) {
                a = mac.doFinal(a);
                mac.update(a);
                byte[] block = mac.doFinal(seed);
                int n = Math.min(block.length, length - pos);
                System.arraycopy(block, 0, out, pos, n);
                pos += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }
}
