package io.portcullis.protocol.keymethod;

import io.portcullis.protocol.keys.KeySource;
import io.portcullis.protocol.packet.DropReason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Accumulates decrypted control-channel bytes until a client's key-method 2 message is
 * complete, in either format. The AWS format states its total length, so it may span many
 * TLS records; a standard message ends at the end of the fed bytes (stock clients send it in
 * one record) unless a length field announces more. Not thread-safe; one per key id.
 */
public final class KeyMethod2Reader {

    static final int KEY_METHOD_2 = 2;
    /** Header + pre-master + randoms. */
    static final int FIXED_LENGTH = 4 + 1 + KeySource.PRE_MASTER_LENGTH + 2 * KeySource.RANDOM_LENGTH;
    public static final int MAX_OPTIONS_LENGTH = 512;
    public static final int DEFAULT_MAX_AWS_LENGTH = 256 * 1024;
    private static final int MIN_AWS_LENGTH = FIXED_LENGTH + 4 * 4;

    private final int maxAwsLength;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private boolean finished;

    public KeyMethod2Reader() {
        this(DEFAULT_MAX_AWS_LENGTH);
    }

    public KeyMethod2Reader(int maxAwsLength) {
        this.maxAwsLength = maxAwsLength;
    }

    /** Outcome of feeding bytes. */
    public sealed interface Result permits Complete, NeedMore, Malformed {
    }

    /** The message, and how many of all fed bytes it used (the rest belongs to later messages). */
    public record Complete(ClientKeyMethod2 message, int consumed) implements Result {
    }

    public record NeedMore(int buffered) implements Result {
    }

    public record Malformed(DropReason reason, String detail) implements Result {
    }

    /** Appends bytes and tries to parse. After Complete or Malformed, further feeding is an error. */
    public Result feed(byte[] bytes) {
        if (finished) {
            throw new IllegalStateException("key-method 2 message already read");
        }
        buffer.writeBytes(bytes);
        Result r = parse(buffer.toByteArray());
        if (!(r instanceof NeedMore)) {
            finished = true;
            buffer.reset();
        }
        return r;
    }

    private Result parse(byte[] b) {
        if (b.length < 4) {
            return new NeedMore(b.length);
        }
        ByteBuffer in = ByteBuffer.wrap(b);
        int lead = in.getInt();
        if (lead == 0) {
            return parseStandard(in);
        }
        long total = ByteBuffer.wrap(b, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
        if (total < MIN_AWS_LENGTH || total > maxAwsLength) {
            return new Malformed(DropReason.MALFORMED, "AWS key-method 2 length " + total + " out of range");
        }
        if (b.length < total) {
            return new NeedMore(b.length);
        }
        return parseAws(ByteBuffer.wrap(b, 0, (int) total).position(4), (int) total);
    }

    private Result parseStandard(ByteBuffer in) {
        if (in.remaining() < FIXED_LENGTH - 4) {
            return new NeedMore(in.limit());
        }
        if ((in.get() & 0x0F) != KEY_METHOD_2) {
            return new Malformed(DropReason.MALFORMED, "key method is not 2");
        }
        KeySource source = readKeySource(in);
        String[] strings = new String[4];
        byte[] password = new byte[0];
        for (int i = 0; i < 4; i++) {
            if (i > 0 && !in.hasRemaining()) {
                break; // the message may end after any string following the options
            }
            if (in.remaining() < 2) {
                return new NeedMore(in.limit());
            }
            int len = in.getShort() & 0xFFFF;
            if (i == 0 && len > MAX_OPTIONS_LENGTH) {
                return new Malformed(DropReason.TOO_LARGE, "options string longer than 512");
            }
            if (in.remaining() < len) {
                return new NeedMore(in.limit());
            }
            byte[] s = new byte[len];
            in.get(s);
            if (i == 2) {
                password = cBytes(s);
            } else {
                strings[i] = cString(s);
            }
        }
        return complete(KeyMethod2Format.STANDARD, source, strings, password, in.position());
    }

    private Result parseAws(ByteBuffer in, int total) {
        if ((in.get() & 0x0F) != KEY_METHOD_2) {
            return new Malformed(DropReason.MALFORMED, "key method is not 2");
        }
        KeySource source = readKeySource(in);
        String[] strings = new String[4];
        byte[] password = new byte[0];
        for (int i = 0; i < 4; i++) {
            if (in.remaining() < 4) {
                return new Malformed(DropReason.TRUNCATED, "AWS key-method 2 string header beyond total length");
            }
            long len = in.getInt() & 0xFFFF_FFFFL;
            if (len > in.remaining()) {
                return new Malformed(DropReason.MALFORMED, "AWS key-method 2 string beyond total length");
            }
            if (i == 0 && len > MAX_OPTIONS_LENGTH) {
                return new Malformed(DropReason.TOO_LARGE, "options string longer than 512");
            }
            byte[] s = new byte[(int) len];
            in.get(s);
            if (i == 2) {
                password = cBytes(s);
            } else {
                strings[i] = cString(s);
            }
        }
        return complete(KeyMethod2Format.AWS, source, strings, password, total);
    }

    private static Result complete(KeyMethod2Format format, KeySource source, String[] s, byte[] password,
            int consumed) {
        ClientKeyMethod2 msg = new ClientKeyMethod2(format, source, s[0] == null ? "" : s[0], s[1],
                SecretBytes.of(password), s[3] == null ? PeerInfo.EMPTY : PeerInfo.parse(s[3]));
        java.util.Arrays.fill(password, (byte) 0);
        return new Complete(msg, consumed);
    }

    private static KeySource readKeySource(ByteBuffer in) {
        byte[] pre = new byte[KeySource.PRE_MASTER_LENGTH];
        byte[] r1 = new byte[KeySource.RANDOM_LENGTH];
        byte[] r2 = new byte[KeySource.RANDOM_LENGTH];
        in.get(pre).get(r1).get(r2);
        return new KeySource(pre, r1, r2);
    }

    // OpenVPN treats each string as a C string: it ends at the first NUL (the last byte is
    // forced to NUL by the reader).
    static byte[] cBytes(byte[] s) {
        int end = 0;
        while (end < s.length && s[end] != 0) {
            end++;
        }
        if (end == s.length && s.length > 0) {
            end = s.length - 1;
        }
        return java.util.Arrays.copyOf(s, end);
    }

    static String cString(byte[] s) {
        return new String(cBytes(s), StandardCharsets.UTF_8);
    }
}
