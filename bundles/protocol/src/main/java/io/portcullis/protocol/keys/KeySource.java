package io.portcullis.protocol.keys;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Random material one side contributes in its key-method 2 message: a 48-byte pre-master
 * (client only, {@code null} for the server) and two 32-byte randoms.
 */
public final class KeySource {

    public static final int PRE_MASTER_LENGTH = 48;
    public static final int RANDOM_LENGTH = 32;

    private final byte[] preMaster;
    private final byte[] random1;
    private final byte[] random2;

    public KeySource(byte[] preMaster, byte[] random1, byte[] random2) {
        if (preMaster != null && preMaster.length != PRE_MASTER_LENGTH
                || random1.length != RANDOM_LENGTH || random2.length != RANDOM_LENGTH) {
            throw new IllegalArgumentException("bad key source lengths");
        }
        this.preMaster = preMaster == null ? null : preMaster.clone();
        this.random1 = random1.clone();
        this.random2 = random2.clone();
    }

    public static KeySource randomForClient(RandomGenerator random) {
        return new KeySource(bytes(random, PRE_MASTER_LENGTH), bytes(random, RANDOM_LENGTH), bytes(random, RANDOM_LENGTH));
    }

    public static KeySource randomForServer(RandomGenerator random) {
        return new KeySource(null, bytes(random, RANDOM_LENGTH), bytes(random, RANDOM_LENGTH));
    }

    private static byte[] bytes(RandomGenerator random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    public boolean hasPreMaster() {
        return preMaster != null;
    }

    public byte[] preMaster() {
        if (preMaster == null) {
            throw new IllegalStateException("server key sources have no pre-master");
        }
        return preMaster.clone();
    }

    public byte[] random1() {
        return random1.clone();
    }

    public byte[] random2() {
        return random2.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeySource k && Arrays.equals(preMaster, k.preMaster)
                && Arrays.equals(random1, k.random1) && Arrays.equals(random2, k.random2);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(random1);
    }

    @Override
    public String toString() {
        return "KeySource[***]";
    }
}
