package io.portcullis.protocol.keymethod;

import io.portcullis.protocol.keys.KeySource;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.ParseResult;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The server's key-method 2 reply, always in the standard format (the AWS client reads it
 * with the stock parser): zero, 0x02, random1, random2, options, and empty username,
 * password and peer-info, as 2.6 servers send. It must be alone in its TLS record.
 */
public record ServerKeyMethod2(KeySource keySource, String options) {

    /** An options string a stock client accepts (informational only, reference §5.1). */
    public static final String DEFAULT_OPTIONS = "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,"
            + "cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-server";

    public ServerKeyMethod2 {
        if (keySource.hasPreMaster()) {
            throw new IllegalArgumentException("the server sends no pre-master");
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[4]);
        out.write(KeyMethod2Reader.KEY_METHOD_2);
        out.writeBytes(keySource.random1());
        out.writeBytes(keySource.random2());
        ClientKeyMethod2.writeString(out, options.getBytes(StandardCharsets.UTF_8), false);
        out.writeBytes(new byte[6]); // username, password, peer-info: empty
        return out.toByteArray();
    }

    /** Parses a server reply (client side). Trailing strings are optional, as for OpenVPN. */
    public static ParseResult<ServerKeyMethod2> parse(byte[] message) {
        ByteBuffer in = ByteBuffer.wrap(message);
        try {
            if (in.getInt() != 0 || (in.get() & 0x0F) != KeyMethod2Reader.KEY_METHOD_2) {
                return ParseResult.dropped(DropReason.MALFORMED, "not a key-method 2 message");
            }
            byte[] r1 = new byte[KeySource.RANDOM_LENGTH];
            byte[] r2 = new byte[KeySource.RANDOM_LENGTH];
            in.get(r1).get(r2);
            int len = in.getShort() & 0xFFFF;
            byte[] s = new byte[len];
            in.get(s);
            String options = KeyMethod2Reader.cString(s);
            return ParseResult.ok(new ServerKeyMethod2(new KeySource(null, r1, r2), options));
        } catch (BufferUnderflowException e) {
            return ParseResult.dropped(DropReason.TRUNCATED, "key-method 2 reply truncated");
        }
    }
}
