package io.portcullis.protocol.wrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StaticKeyTest {

    @Test
    void parsesKeyWrittenByOpenVpnGenkey() {
        StaticKey key = StaticKey.parse(Capture.resource("tc.key")).valueOrNull();
        // The stock server logged these as its outgoing tls-crypt keys: record 0.
        assertEquals("e5f9ed89be21ca3335534535d53404e8ff774ba99b1e9146f6b759cd36afa76f",
                HexFormat.of().formatHex(key.cipherKey(0, 32)));
        assertEquals("5ef64b71c65f6bd8dce0c9e534959696fb6d038b4165886daf4766e200e112cb",
                HexFormat.of().formatHex(key.hmacKey(0, 32)));
        // ...and these as incoming: record 1.
        assertEquals("50b1e96de5be69716070652 02b980b8d".replace(" ", ""),
                HexFormat.of().formatHex(key.cipherKey(1, 16)));
        assertEquals("9d2a3a9aa7bc410cac0c305fb9ef5589", HexFormat.of().formatHex(key.hmacKey(1, 16)));
    }

    @Test
    void textRoundTrip() {
        StaticKey key = StaticKey.generate(new Random(1));
        String text = key.toText();
        assertEquals(18, text.lines().count());
        assertArrayEquals(key.toBytes(), StaticKey.parse("# comment\n" + text + "trailer").valueOrNull().toBytes());
        assertFalse(key.toString().contains(text.substring(40, 48)));
    }

    @Test
    void rejectsMalformedFiles() {
        String text = StaticKey.generate(new Random(2)).toText();
        assertFalse(StaticKey.parse(text.replace("-----END", "-----FIN")).isOk());
        assertFalse(StaticKey.parse(text.replaceFirst("\n[0-9a-f]{32}\n", "\n")).isOk(), "15 lines");
        assertFalse(StaticKey.parse(text.replaceFirst("[0-9a-f]", "x")).isOk());
        assertTrue(StaticKey.parse(text.replace("\n", "\r\n")).isOk());
    }
}
