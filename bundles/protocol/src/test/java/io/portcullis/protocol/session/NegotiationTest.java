package io.portcullis.protocol.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.keymethod.PeerInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class NegotiationTest {

    private static final List<AeadAlgorithm> SERVER = List.of(AeadAlgorithm.CHACHA20_POLY1305,
            AeadAlgorithm.AES_128_GCM, AeadAlgorithm.AES_256_GCM);

    @Test
    void cipherChoice() {
        assertEquals(AeadAlgorithm.CHACHA20_POLY1305, Negotiation.chooseCipher(SERVER,
                PeerInfo.parse("IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n"), ""));
        assertEquals(AeadAlgorithm.AES_128_GCM, Negotiation.chooseCipher(SERVER,
                PeerInfo.parse("IV_CIPHERS=aes-256-gcm:AES-128-GCM\n"), ""));
        assertNull(Negotiation.chooseCipher(SERVER, PeerInfo.parse("IV_CIPHERS=BF-CBC\n"), "cipher AES-256-GCM"));
        assertEquals(AeadAlgorithm.AES_128_GCM, Negotiation.chooseCipher(SERVER, PeerInfo.parse("IV_NCP=2\n"), ""));
        assertEquals(AeadAlgorithm.AES_256_GCM, Negotiation.chooseCipher(SERVER, PeerInfo.EMPTY,
                "V4,dev-type tun,cipher AES-256-GCM,key-method 2"));
        assertNull(Negotiation.chooseCipher(SERVER, PeerInfo.EMPTY, "V4,cipher BF-CBC"));
    }

    @Test
    void engineOwnedOptions() {
        assertEquals(List.of("peer-id 3", "cipher AES-256-GCM", "protocol-flags cc-exit tls-ekm"),
                Negotiation.engineOwnedOptions(PeerInfo.parse("IV_PROTO=990\n"), AeadAlgorithm.AES_256_GCM, true,
                        true, 3));
        assertEquals(List.of("peer-id 3", "cipher AES-128-GCM", "key-derivation tls-ekm"),
                Negotiation.engineOwnedOptions(PeerInfo.parse("IV_PROTO=14\n"), AeadAlgorithm.AES_128_GCM, true,
                        true, 3));
        assertEquals(List.of("cipher AES-256-GCM"),
                Negotiation.engineOwnedOptions(PeerInfo.EMPTY, AeadAlgorithm.AES_256_GCM, false, false, 3));
    }
}
