package io.portcullis.endpoint.pki;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

import static org.junit.jupiter.api.Assertions.*;

/** Keys as openssl writes them: traditional EC and RSA PEM, PKCS#8; encrypted ones are refused by name. */
class CredentialFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsKeysInEveryFormOpensslWrites() throws Exception {
        for (String[] form : new String[][]{{"ec-traditional", "EC"}, {"ec-pkcs8", "EC"},
                {"rsa-traditional", "RSA"}, {"rsa-pkcs8", "RSA"}}) {
            Path file = dir.resolve(form[0] + ".pem");
            try (var in = getClass().getResourceAsStream("/openssl/" + form[0] + ".pem")) {
                Files.copy(in, file);
            }
            assertEquals(form[1], CredentialFiles.privateKey("serverKey", file).getAlgorithm(), form[0]);
        }
        // The traditional and PKCS#8 files hold the same key.
        assertEquals(((java.security.interfaces.ECPrivateKey) CredentialFiles.privateKey("serverKey",
                        dir.resolve("ec-traditional.pem"))).getS(),
                ((java.security.interfaces.ECPrivateKey) CredentialFiles.privateKey("serverKey",
                        dir.resolve("ec-pkcs8.pem"))).getS());
    }

    @Test
    void refusesEncryptedMissingAndForeignFilesNamingTheSetting() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC)
                .setPassword("secret".toCharArray()).build();
        Path encrypted = write("encrypted", new JcaPKCS8Generator(ec.generateKeyPair().getPrivate(), encryptor));
        var e = assertThrows(IllegalArgumentException.class, () -> CredentialFiles.privateKey("serverKey", encrypted));
        assertTrue(e.getMessage().startsWith("serverKey: ") && e.getMessage().contains("encrypted"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"));

        e = assertThrows(IllegalArgumentException.class, () -> CredentialFiles.privateKey("serverKey", dir.resolve("none")));
        assertTrue(e.getMessage().startsWith("serverKey: ") && e.getMessage().contains("does not exist"), e.getMessage());

        Path text = Files.writeString(dir.resolve("text"), "not a certificate");
        e = assertThrows(IllegalArgumentException.class, () -> CredentialFiles.certificates("serverCertificate", text));
        assertTrue(e.getMessage().startsWith("serverCertificate: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CredentialFiles.staticKey("tlsCryptKey", text));
        assertTrue(e.getMessage().startsWith("tlsCryptKey: ") && e.getMessage().contains("static key"), e.getMessage());
    }

    private Path write(String name, Object pem) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(pem);
        }
        return Files.writeString(dir.resolve(name + ".pem"), text.toString());
    }
}
