package io.portcullis.auth.certificate;

/**
 * A forward-only cursor over DER elements inside {@code [offset, limit)} of a byte array. It
 * allocates nothing per element, which matters for CRLs of a million entries. Only what X.509 CRLs
 * use is accepted: low tag numbers and definite lengths; anything else is a {@link MalformedException}.
 */
final class Der {

    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int OID = 0x06;
    static final int ENUMERATED = 0x0A;
    static final int BOOLEAN = 0x01;
    static final int UTC_TIME = 0x17;
    static final int GENERALIZED_TIME = 0x18;
    static final int SEQUENCE = 0x30;
    static final int CONTEXT_0 = 0xA0;

    private final byte[] data;
    private int pos;
    private int limit;

    /** Tag of the current element. */
    int tag;
    /** Where the current element starts (its tag byte). */
    int start;
    /** Where the current element's value starts. */
    int valueOffset;
    /** Length of the current element's value. */
    int valueLength;

    Der(byte[] data, int offset, int limit) {
        this.data = data;
        reset(offset, limit);
    }

    /** Points the cursor at another range of the same array. */
    Der reset(int offset, int limit) {
        this.pos = offset;
        this.limit = limit;
        this.tag = -1;
        return this;
    }

    /** A cursor over the current element's value. */
    Der inside() {
        return new Der(data, valueOffset, end());
    }

    /** Points {@code cursor} at the current element's value, reusing it. */
    Der inside(Der cursor) {
        return cursor.reset(valueOffset, end());
    }

    byte[] data() {
        return data;
    }

    boolean hasMore() {
        return pos < limit;
    }

    /** The tag of the next element without reading it, or -1 at the end. */
    int peekTag() {
        return pos < limit ? data[pos] & 0xFF : -1;
    }

    /** End of the current element. */
    int end() {
        return valueOffset + valueLength;
    }

    /** Reads the next element's header and moves past the element. */
    Der next() throws MalformedException {
        if (pos >= limit) {
            throw new MalformedException("truncated structure");
        }
        start = pos;
        int t = data[pos++] & 0xFF;
        if ((t & 0x1F) == 0x1F) {
            throw new MalformedException("unsupported high tag number");
        }
        if (pos >= limit) {
            throw new MalformedException("truncated length");
        }
        int first = data[pos++] & 0xFF;
        int length;
        if (first < 0x80) {
            length = first;
        } else {
            int count = first & 0x7F;
            if (count == 0) {
                throw new MalformedException("indefinite length (BER, not DER)");
            }
            if (count > 4 || count > limit - pos) {
                throw new MalformedException("bad length");
            }
            length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (data[pos++] & 0xFF);
            }
            if (length < 0) {
                throw new MalformedException("bad length");
            }
        }
        if (length > limit - pos) {
            throw new MalformedException("element runs past its container");
        }
        tag = t;
        valueOffset = pos;
        valueLength = length;
        pos += length;
        return this;
    }

    /** Reads the next element and checks its tag. */
    Der next(int expectedTag, String what) throws MalformedException {
        next();
        if (tag != expectedTag) {
            throw new MalformedException(what + " expected (tag 0x" + Integer.toHexString(expectedTag)
                    + "), found tag 0x" + Integer.toHexString(tag));
        }
        return this;
    }

    boolean valueEquals(byte[] expected) {
        if (valueLength != expected.length) {
            return false;
        }
        for (int i = 0; i < valueLength; i++) {
            if (data[valueOffset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The current UTCTime or GeneralizedTime in seconds since the epoch (RFC 5280 forms, Z only). */
    long time() throws MalformedException {
        int o = valueOffset;
        int n = valueLength;
        int year;
        if (tag == UTC_TIME) {
            if (n != 13 || data[o + 12] != 'Z') {
                throw new MalformedException("UTCTime not in YYMMDDHHMMSSZ form");
            }
            int yy = digits(o, 2);
            year = yy >= 50 ? 1900 + yy : 2000 + yy;
            o += 2;
        } else if (tag == GENERALIZED_TIME) {
            if (n < 15 || data[o + n - 1] != 'Z') {
                throw new MalformedException("GeneralizedTime not in YYYYMMDDHHMMSS[.f]Z form");
            }
            if (n > 15 && data[o + 14] != '.') {
                throw new MalformedException("GeneralizedTime not in YYYYMMDDHHMMSS[.f]Z form");
            }
            year = digits(o, 4);
            o += 4;
        } else {
            throw new MalformedException("time expected, found tag 0x" + Integer.toHexString(tag));
        }
        int month = digits(o, 2);
        int day = digits(o + 2, 2);
        int hour = digits(o + 4, 2);
        int minute = digits(o + 6, 2);
        int second = digits(o + 8, 2);
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
            throw new MalformedException("time out of range");
        }
        return daysFromCivil(year, month, day) * 86400L + hour * 3600L + minute * 60L + second;
    }

    private int digits(int offset, int count) throws MalformedException {
        int value = 0;
        for (int i = 0; i < count; i++) {
            int c = data[offset + i] - '0';
            if (c < 0 || c > 9) {
                throw new MalformedException("non-digit in time");
            }
            value = value * 10 + c;
        }
        return value;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    private static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yoe = y - era * 400;
        int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097L + doe - 719468;
    }

    /** The structure is not what X.509 says it must be. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }
}
