package io.portcullis.endpoint.authz;

/**
 * Addresses as 128-bit keys in two longs, so one code path serves both families: an IPv6 address
 * is its bytes, an IPv4 address sits in the top 32 bits of {@code high} (its prefix lengths stay
 * 0..32, so every mask below works unchanged).
 */
final class AddressBits {

    private AddressBits() {
    }

    static long high(byte[] address) {
        return address.length == 4 ? ((long) ipv4(address)) << 32 : word(address, 0);
    }

    static long low(byte[] address) {
        return address.length == 4 ? 0L : word(address, 8);
    }

    static int ipv4(byte[] address) {
        return (address[0] & 0xff) << 24 | (address[1] & 0xff) << 16 | (address[2] & 0xff) << 8 | (address[3] & 0xff);
    }

    /** The {@code high} word of a prefix of {@code length} bits. */
    static long maskHigh(int length) {
        return length <= 0 ? 0L : length >= 64 ? -1L : -1L << (64 - length);
    }

    /** The {@code low} word of a prefix of {@code length} bits. */
    static long maskLow(int length) {
        return length <= 64 ? 0L : length >= 128 ? -1L : -1L << (128 - length);
    }

    private static long word(byte[] b, int from) {
        long w = 0;
        for (int i = from; i < from + 8; i++) {
            w = w << 8 | (b[i] & 0xff);
        }
        return w;
    }
}
