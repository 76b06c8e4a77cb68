package io.portcullis.loadclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void parsesEveryOption() {
        LoadOptions o = LoadOptions.parse("--server", "127.0.0.1:1194", "--ca", "ca.crt", "--cert", "c.crt", "--key",
                "c.key", "--tls-crypt", "tc.key", "--sessions", "10_000", "--rate", "250.5", "--concurrency", "128",
                "--hold", "30", "--renegotiate", "4_000", "--timeout", "20", "--ramp-timeout", "90", "--threads", "3",
                "--exit-rate", "0", "--cipher", "aes-128-gcm", "--ec-provider", "JDK", "--json");
        assertEquals(1194, o.server().getPort());
        assertEquals("127.0.0.1", o.server().getAddress().getHostAddress());
        assertEquals(Path.of("ca.crt"), o.ca());
        assertEquals(Path.of("tc.key"), o.tlsCrypt());
        assertEquals(10_000, o.sessions());
        assertEquals(250.5, o.rate());
        assertEquals(128, o.concurrency());
        assertEquals(30, o.holdSeconds());
        assertEquals(4000, o.renegotiations());
        assertEquals(20, o.timeoutSeconds());
        assertEquals(90, o.rampTimeoutSeconds());
        assertEquals(3, o.threads());
        assertEquals(0, o.exitRate());
        assertEquals("AES-128-GCM", o.cipher());
        assertEquals("jdk", o.ecProvider());
        assertTrue(o.json());
    }

    @Test
    void defaultsAndInlineValues() {
        LoadOptions o = LoadOptions.parse("--server=[::1]:1195", "--cert-dir=certs");
        assertEquals(1195, o.server().getPort());
        assertEquals(Path.of("certs"), o.certDir());
        assertNull(o.cert());
        assertNull(o.tlsCrypt());
        assertEquals(100, o.sessions());
        assertEquals(0, o.rate());
        assertEquals(64, o.concurrency());
        assertEquals(0, o.holdSeconds());
        assertEquals(0, o.renegotiations());
        assertEquals(60, o.timeoutSeconds());
        assertEquals("AES-256-GCM", o.cipher());
        assertEquals("bc", o.ecProvider());
        assertFalse(o.json());
    }

    @Test
    void refusesWhatCannotWork() {
        assertMessage("--server HOST:PORT is required", "--cert", "a", "--key", "b");
        assertMessage("give either --cert and --key, or --cert-dir", "--server", "127.0.0.1:1");
        assertMessage("--cert and --key go together", "--server", "127.0.0.1:1", "--cert", "a");
        assertMessage("expected host:port", "--server", "127.0.0.1", "--cert-dir", "d");
        assertMessage("port out of range", "--server", "127.0.0.1:70000", "--cert-dir", "d");
        assertMessage("--rate must be 0 or more", "--server", "127.0.0.1:1", "--cert-dir", "d", "--rate", "-1");
        assertMessage("--concurrency must be at least 1", "--server", "127.0.0.1:1", "--cert-dir", "d",
                "--concurrency", "0");
        assertMessage("not a whole number", "--server", "127.0.0.1:1", "--cert-dir", "d", "--sessions", "lots");
        assertMessage("unknown option --sesions", "--server", "127.0.0.1:1", "--cert-dir", "d", "--sesions", "1");
        assertMessage("--renegotiate must be 0..--sessions", "--server", "127.0.0.1:1", "--cert-dir", "d",
                "--sessions", "10", "--renegotiate", "11");
        assertMessage("--renegotiate must be 0..--sessions", "--server", "127.0.0.1:1", "--cert-dir", "d",
                "--renegotiate", "-1");
        assertMessage("--hold needs a value", "--server", "127.0.0.1:1", "--cert-dir", "d", "--hold");
        assertMessage("--ec-provider must be bc or jdk", "--server", "127.0.0.1:1", "--cert-dir", "d",
                "--ec-provider", "openssl");
        assertThrows(LoadOptions.HelpRequested.class, () -> LoadOptions.parse("--help"));
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
