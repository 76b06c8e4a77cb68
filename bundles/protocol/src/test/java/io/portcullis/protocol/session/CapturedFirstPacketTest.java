package io.portcullis.protocol.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.packet.ControlPacket;
import io.portcullis.protocol.packet.DropReason;
import io.portcullis.protocol.packet.Opcode;
import io.portcullis.protocol.packet.SessionId;
import io.portcullis.protocol.tls.TestPki;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import io.portcullis.protocol.wrap.HmacAlgorithm;
import io.portcullis.protocol.wrap.KeyDirection;
import io.portcullis.protocol.wrap.NoProtection;
import io.portcullis.protocol.wrap.StaticKey;
import io.portcullis.protocol.wrap.TlsAuth;
import io.portcullis.protocol.wrap.TlsCrypt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server accepts the first packet of stock OpenVPN 2.6.14 client handshakes and answers in kind. */
class CapturedFirstPacketTest {

    private static final TestPki PKI = new TestPki();

    @ParameterizedTest
    @CsvSource({"plain.cap,none", "tlscrypt.cap,tls-crypt", "tlsauth1.cap,tls-auth-sha1",
        "tlsauth256.cap,tls-auth-sha256"})
    void acceptsCapturedClientReset(String capture, String mode) throws IOException {
        byte[] reset = firstClientPacket(capture);
        ControlChannelProtection serverSide = protection(mode, true);
        ServerSessionConfig config = new ServerSessionConfig(serverSide, PKI.server, List.of(AeadAlgorithm.AES_256_GCM),
                Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(60));

        var accepted = ServerSession.accept(config, 3, ByteBuffer.wrap(reset), 0, 1_800_000_000L, new SecureRandom());
        var ok = assertInstanceOf(ServerSession.Accepted.Ok.class, accepted);
        SessionId clientSid = new SessionId(ByteBuffer.wrap(reset).getLong(1));
        assertEquals(clientSid, ok.session().remoteSessionId());
        assertEquals(1, ok.outputs().size());
        byte[] reply = ((SessionOutput.Send) ok.outputs().get(0)).packet();

        // As the stock client would read it: a server reset, pid 0, ACKing the client's pid 0.
        var unwrapped = protection(mode, false).unwrap(ByteBuffer.wrap(reply)).valueOrNull();
        ControlPacket.Reliable p = (ControlPacket.Reliable) unwrapped.packet();
        assertEquals(Opcode.P_CONTROL_HARD_RESET_SERVER_V2, p.opcode());
        assertEquals(0, p.keyId());
        assertEquals(0, p.messagePacketId());
        assertEquals(List.of(0L), p.acks().packetIds());
        assertEquals(clientSid, p.acks().remoteSessionId());
        assertEquals(ok.session().localSessionId(), p.sessionId());
        assertEquals(0, p.payload().length);
        if (mode.equals("none")) {
            assertEquals(26, reply.length); // as in reference §2.1
        }

        // A client restarting from the same address is recognisable; the own reset is not.
        assertFalse(ok.session().isNewConnectionAttempt(ByteBuffer.wrap(reset)));
        byte[] other = reset.clone();
        other[3] ^= 1;
        assertTrue(ok.session().isNewConnectionAttempt(ByteBuffer.wrap(other)));
        // A retransmitted reset is harmless.
        ok.session().onControlPacket(ByteBuffer.wrap(reset), 1_000_000);
        assertFalse(ok.session().isClosed());
    }

    @ParameterizedTest
    @CsvSource({"plain.cap,tls-crypt", "tlscrypt.cap,none", "tlsauth1.cap,tls-auth-sha256"})
    void rejectsResetWithWrongWrapping(String capture, String mode) throws IOException {
        ServerSessionConfig config = new ServerSessionConfig(protection(mode, true), PKI.server,
                List.of(AeadAlgorithm.AES_256_GCM), Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(10),
                Duration.ofSeconds(60));
        var accepted = ServerSession.accept(config, 3, ByteBuffer.wrap(firstClientPacket(capture)), 0, 0,
                new SecureRandom());
        var rejected = assertInstanceOf(ServerSession.Accepted.Rejected.class, accepted);
        assertTrue(rejected.dropReason() == DropReason.AUTHENTICATION_FAILED
                || rejected.dropReason() == DropReason.MALFORMED
                || rejected.dropReason() == DropReason.TRUNCATED, rejected.reason());
    }

    private static ControlChannelProtection protection(String mode, boolean server) throws IOException {
        return switch (mode) {
            case "none" -> NoProtection.INSTANCE;
            case "tls-crypt" -> server ? TlsCrypt.forServer(key("tc.key")) : TlsCrypt.forClient(key("tc.key"));
            case "tls-auth-sha1" -> new TlsAuth(key("ta.key"), server ? KeyDirection.NORMAL : KeyDirection.INVERSE,
                    HmacAlgorithm.SHA1);
            case "tls-auth-sha256" -> new TlsAuth(key("ta.key"), server ? KeyDirection.NORMAL : KeyDirection.INVERSE,
                    HmacAlgorithm.SHA256);
            default -> throw new IllegalArgumentException(mode);
        };
    }

    private static StaticKey key(String name) throws IOException {
        return StaticKey.parse(resource(name)).valueOrNull();
    }

    private static byte[] firstClientPacket(String capture) throws IOException {
        String line = resource(capture).lines().filter(l -> l.startsWith("C2S")).findFirst().orElseThrow();
        return HexFormat.of().parseHex(line.substring(4).trim());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = CapturedFirstPacketTest.class.getResourceAsStream("/openvpn-2.6.14/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
