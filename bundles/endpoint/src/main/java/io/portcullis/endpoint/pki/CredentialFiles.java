package io.portcullis.endpoint.pki;

import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.wrap.StaticKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads keys and certificates as openssl writes them: PEM certificates (several may follow each
 * other), PKCS#8 or traditional EC/RSA private keys, and OpenVPN static-key text. Every failure names
 * the setting that pointed at the file.
 */
public final class CredentialFiles {

    private CredentialFiles() {
    }

    public static List<X509Certificate> certificates(String setting, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(setting + ": " + file + " holds no certificate");
            }
            return certificates;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(setting + ": " + file + " does not exist");
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(setting + ": " + file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    public static PrivateKey privateKey(String setting, Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new IllegalArgumentException(setting + ": " + file + " is encrypted; store the key unencrypted "
                        + "with owner-only permissions (openssl pkey -in key.pem -out key-plain.pem)");
            }
            throw new IllegalArgumentException(setting + ": " + file + " holds no private key in PEM form");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(setting + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": " + file + " cannot be read as a PEM key: " + e.getMessage());
        }
    }

    public static StaticKey staticKey(String setting, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(setting + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": " + file + " cannot be read: " + e.getMessage());
        }
        ParseResult<StaticKey> parsed = StaticKey.parse(text);
        if (parsed instanceof ParseResult.Ok<StaticKey> ok) {
            return ok.value();
        }
        throw new IllegalArgumentException(setting + ": " + file
                + " is not an OpenVPN static key (openvpn --genkey tls-crypt FILE writes one): "
                + ((ParseResult.Dropped<StaticKey>) parsed).detail());
    }
}
