package io.portcullis.benchmarks;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.data.DataChannelKeys;
import io.portcullis.protocol.data.OpenStatus;
import io.portcullis.protocol.replay.ReplayWindow;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Data-channel AEAD per packet: {@link DataChannelCipher#seal} and {@link DataChannelCipher#open}
 * (P_DATA_V2 with a peer-id, replay window included, as the appliance runs it), next to the JDK
 * {@link Cipher} alone doing the same AEAD (same key, 12-byte nonce {@code pkt_id || implicit IV},
 * 8-byte AAD, 16-byte tag) on the same plaintext sizes: init + updateAAD + doFinal on byte arrays,
 * no header, no tag reordering, no replay check. That is the ceiling the protocol code can reach
 * without leaving JCE. One operation is one packet; MB/s = ops/s x size / 10^6.
 * <p>
 * Opening needs a fresh, authentic packet id each time, so {@link #RING} packets are sealed up
 * front (ids 1..RING) and opened in turn; when the ring wraps, the receive replay window is
 * {@link ReplayWindow#reset reset} (64 booleans, once per {@value #RING} packets). The JDK-only
 * open walks an identical ring of its own.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AeadBenchmark {

    static final int RING = 32;
    private static final int KEY_ID = 0;
    private static final int PEER_ID = 1;
    private static final int TAG = AeadAlgorithm.TAG_LENGTH;

    @Param({"AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"})
    public AeadAlgorithm algorithm;

    @Param({"64", "512", "1400", "8192"})
    public int size;

    // DataChannelCipher: one side seals, the peer opens.
    private DataChannelKeys serverKeys;
    private DataChannelCipher sealer;
    private DataChannelCipher opener;
    private ReplayWindow openerReplay;
    private ByteBuffer plaintext;
    private ByteBuffer sealOut;
    private ByteBuffer[] sealedRing;
    private ByteBuffer openOut;
    private int openIndex;

    // JDK alone.
    private Cipher jdkEncryptor;
    private Cipher jdkDecryptor;
    private SecretKeySpec jdkKey;
    private final byte[] jdkSealNonce = new byte[AeadAlgorithm.NONCE_LENGTH];
    private final byte[] jdkOpenNonce = new byte[AeadAlgorithm.NONCE_LENGTH];
    private final byte[] jdkSealAad = new byte[8];
    private final byte[] jdkOpenAad = new byte[8];
    private byte[] jdkPlain;
    private byte[] jdkSealOut;
    private byte[][] jdkSealedRing;
    private ByteBuffer[] jdkSealedBuffers;
    private ByteBuffer jdkOpenDirect;
    private byte[] jdkOpenOut;
    private int jdkSealPid;
    private int jdkOpenIndex;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        Random random = new Random(6);
        byte[] keyA = bytes(random, algorithm.keyLength());
        byte[] ivA = bytes(random, AeadAlgorithm.IMPLICIT_IV_LENGTH);
        byte[] keyB = bytes(random, algorithm.keyLength());
        byte[] ivB = bytes(random, AeadAlgorithm.IMPLICIT_IV_LENGTH);
        DataChannelKeys server = new DataChannelKeys(algorithm, keyA, ivA, keyB, ivB);
        serverKeys = server;
        DataChannelKeys client = new DataChannelKeys(algorithm, keyB, ivB, keyA, ivA);

        plaintext = ByteBuffer.wrap(bytes(random, size));
        openerReplay = new ReplayWindow();
        opener = new DataChannelCipher(client, KEY_ID, PEER_ID, openerReplay);
        DataChannelCipher ringSealer = new DataChannelCipher(server, KEY_ID, PEER_ID, new ReplayWindow());
        sealedRing = new ByteBuffer[RING];
        for (int i = 0; i < RING; i++) {
            ByteBuffer packet = ByteBuffer.allocate(ringSealer.sealedLength(size));
            ringSealer.seal(plaintext.clear(), packet);
            sealedRing[i] = packet.flip();
        }
        sealer = new DataChannelCipher(server, KEY_ID, PEER_ID, new ReplayWindow());
        // Room for the tag after the packet, as the appliance's buffers have: the ciphertext is sealed in place.
        sealOut = ByteBuffer.allocate(sealer.sealedLength(size) + TAG);
        openOut = ByteBuffer.allocate(size);

        String transformation = algorithm == AeadAlgorithm.CHACHA20_POLY1305 ? "ChaCha20-Poly1305" : "AES/GCM/NoPadding";
        jdkKey = new SecretKeySpec(keyA, algorithm == AeadAlgorithm.CHACHA20_POLY1305 ? "ChaCha20" : "AES");
        jdkEncryptor = Cipher.getInstance(transformation);
        jdkDecryptor = Cipher.getInstance(transformation);
        System.arraycopy(ivA, 0, jdkSealNonce, 4, 8);
        System.arraycopy(ivA, 0, jdkOpenNonce, 4, 8);
        jdkSealAad[0] = (byte) 0x48; // P_DATA_V2, key id 0, then the peer-id: same AAD shape as above
        jdkSealAad[3] = (byte) PEER_ID;
        System.arraycopy(jdkSealAad, 0, jdkOpenAad, 0, 4);
        jdkPlain = plaintext.array();
        jdkSealOut = new byte[size + TAG];
        jdkOpenOut = new byte[size];
        jdkSealedRing = new byte[RING][];
        for (int i = 0; i < RING; i++) {
            jdkSealedRing[i] = new byte[size + TAG];
            jdkSeal(i + 1, jdkPlain, jdkSealedRing[i]);
        }
        jdkSealedBuffers = new ByteBuffer[RING];
        for (int i = 0; i < RING; i++) {
            jdkSealedBuffers[i] = ByteBuffer.wrap(jdkSealedRing[i]);
        }
        jdkOpenDirect = ByteBuffer.allocateDirect(size);
        jdkSealPid = RING;
        jdkOpenIndex = 0;
        // Fail here rather than measure a failing path. (The JDK's ChaCha20 refuses to init twice
        // in a row with the same key and nonce, even to decrypt, so the ring goes on at packet 2.)
        if (opener.open(sealedRing[0].duplicate(), ByteBuffer.allocate(size), 0) != OpenStatus.OK) {
            throw new IllegalStateException("ring packet does not open");
        }
        openIndex = 1;
    }

    /** Packet ids are 32 bits: should a long run near the end, the next iteration "renegotiates". */
    @Setup(Level.Iteration)
    public void renegotiateIfNeeded() {
        if (sealer.needsRenegotiation()) {
            sealer = new DataChannelCipher(serverKeys, KEY_ID, PEER_ID, new ReplayWindow());
        }
    }

    @Benchmark
    public int seal() {
        return sealer.seal(plaintext.clear(), sealOut.clear());
    }

    @Benchmark
    public OpenStatus open() {
        int i = openIndex;
        if (i == RING) {
            openerReplay.reset();
            i = 0;
        }
        openIndex = i + 1;
        ByteBuffer packet = sealedRing[i];
        packet.position(0);
        OpenStatus status = opener.open(packet, openOut.clear(), 0L);
        if (status != OpenStatus.OK) {
            throw new IllegalStateException("open failed: " + status);
        }
        return status;
    }

    @Benchmark
    public int jdkSeal() throws GeneralSecurityException {
        return jdkSeal(++jdkSealPid, jdkPlain, jdkSealOut);
    }

    @Benchmark
    public int jdkOpen() throws GeneralSecurityException {
        byte[] in = jdkSealedRing[startJdkOpen()];
        return jdkDecryptor.doFinal(in, 0, in.length, jdkOpenOut, 0);
    }

    /**
     * {@link #jdkOpen} through ByteBuffers, the ciphertext on the heap and the plaintext into a
     * direct buffer (as a TUN write buffer would be): JDK 17's GCM decrypts that through a
     * temporary array, which is why the appliance opens into a heap buffer.
     */
    @Benchmark
    public int jdkOpenIntoDirect() throws GeneralSecurityException {
        return jdkDecryptor.doFinal(jdkSealedBuffers[startJdkOpen()].clear(), jdkOpenDirect.clear());
    }

    /** The next packet of the JDK-only ring: the decryptor initialised for it; returns its index. */
    private int startJdkOpen() throws GeneralSecurityException {
        int i = jdkOpenIndex;
        if (i == RING) {
            i = 0;
        }
        jdkOpenIndex = i + 1;
        int pid = i + 1;
        putPid(jdkOpenNonce, 0, pid);
        putPid(jdkOpenAad, 4, pid);
        jdkDecryptor.init(Cipher.DECRYPT_MODE, jdkKey, spec(jdkOpenNonce));
        jdkDecryptor.updateAAD(jdkOpenAad);
        return i;
    }

    private int jdkSeal(int pid, byte[] plain, byte[] out) throws GeneralSecurityException {
        putPid(jdkSealNonce, 0, pid);
        putPid(jdkSealAad, 4, pid);
        jdkEncryptor.init(Cipher.ENCRYPT_MODE, jdkKey, spec(jdkSealNonce));
        jdkEncryptor.updateAAD(jdkSealAad);
        return jdkEncryptor.doFinal(plain, 0, plain.length, out, 0);
    }

    private AlgorithmParameterSpec spec(byte[] nonce) {
        return algorithm == AeadAlgorithm.CHACHA20_POLY1305
                ? new IvParameterSpec(nonce) : new GCMParameterSpec(TAG * 8, nonce);
    }

    private static void putPid(byte[] b, int at, int pid) {
        b[at] = (byte) (pid >>> 24);
        b[at + 1] = (byte) (pid >>> 16);
        b[at + 2] = (byte) (pid >>> 8);
        b[at + 3] = (byte) pid;
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
