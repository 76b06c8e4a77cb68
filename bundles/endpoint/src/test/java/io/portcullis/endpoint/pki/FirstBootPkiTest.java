package io.portcullis.endpoint.pki;

import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.wrap.StaticKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.*;

class FirstBootPkiTest {

    @TempDir
    Path home;

    private FirstBootPki.Files files() {
        Path pki = home.resolve("etc/pki");
        return new FirstBootPki.Files(pki.resolve("ca.crt"), pki.resolve("server.crt"), pki.resolve("server.key"),
                java.util.Optional.of(pki.resolve("tls-crypt.key")));
    }

    @Test
    void createsAWorkingOwnerOnlyPkiOnce() throws Exception {
        FirstBootPki pki = new FirstBootPki(new SecureRandom());
        assertTrue(pki.ensure(files()));
        Path dir = home.resolve("etc/pki");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        for (String name : new String[]{"ca.crt", "ca.key", "server.crt", "server.key", "tls-crypt.key", "client1.crt", "client1.key"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))), name);
        }
        X509Certificate ca = read(dir.resolve("ca.crt"));
        X509Certificate server = read(dir.resolve("server.crt"));
        X509Certificate client = read(dir.resolve("client1.crt"));
        server.verify(ca.getPublicKey());
        client.verify(ca.getPublicKey());
        assertTrue(server.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
        assertTrue(client.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "clientAuth");
        assertTrue(ca.getBasicConstraints() >= 0);
        assertTrue(Files.readString(dir.resolve("server.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertInstanceOf(ParseResult.Ok.class, StaticKey.parse(Files.readString(dir.resolve("tls-crypt.key"))));

        String before = Files.readString(dir.resolve("server.crt"));
        assertFalse(pki.ensure(files()), "a second start must keep the PKI");
        assertEquals(before, Files.readString(dir.resolve("server.crt")));
    }

    @Test
    void withoutControlChannelProtectionNoTlsCryptKeyIsNeeded() throws Exception {
        Path pki = home.resolve("etc/pki");
        var withoutKey = new FirstBootPki.Files(pki.resolve("ca.crt"), pki.resolve("server.crt"), pki.resolve("server.key"),
                java.util.Optional.empty());
        assertTrue(new FirstBootPki(new SecureRandom()).ensure(withoutKey));
        assertFalse(Files.exists(pki.resolve("tls-crypt.key")));
        assertFalse(new FirstBootPki(new SecureRandom()).ensure(withoutKey), "an operator's PKI without a key is complete");
    }

    @Test
    void refusesToFillInHalfAPki() throws Exception {
        Files.createDirectories(home.resolve("etc/pki"));
        Files.writeString(home.resolve("etc/pki/server.crt"), "operator's own");
        var e = assertThrows(IllegalStateException.class, () -> new FirstBootPki(new SecureRandom()).ensure(files()));
        assertTrue(e.getMessage().contains("ca.crt"), e.getMessage());
        assertEquals("operator's own", Files.readString(home.resolve("etc/pki/server.crt")));
    }

    private static X509Certificate read(Path path) throws Exception {
        try (InputStream in = Files.newInputStream(path)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
