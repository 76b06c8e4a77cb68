package io.portcullis.loadclient;

import io.portcullis.protocol.packet.ParseResult;
import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.StaticKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads the PEM files and the tls-crypt key a stock client profile names. */
final class Credentials {

    private Credentials() {
    }

    /** All certificates of a PEM file, in file order (leaf first for a client chain). */
    static List<X509Certificate> certificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException(file + ": no certificate");
            }
            return List.copyOf(out);
        } catch (CertificateException e) {
            throw new IOException(file + ": not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** An unencrypted private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or traditional EC/RSA. */
    static PrivateKey privateKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        }
        throw new IOException(file + ": no unencrypted private key (PKCS#8 or traditional PEM)");
    }

    static TlsCredentials load(Path cert, Path key) throws IOException {
        return new TlsCredentials(certificates(cert), privateKey(key));
    }

    /** Every {@code NAME.crt} with a {@code NAME.key} next to it, sorted by name. */
    static List<TlsCredentials> loadDirectory(Path dir) throws IOException {
        List<Path> certs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.crt")) {
            ds.forEach(certs::add);
        }
        certs.sort(null);
        List<TlsCredentials> out = new ArrayList<>();
        for (Path c : certs) {
            String name = c.getFileName().toString();
            Path k = c.resolveSibling(name.substring(0, name.length() - 4) + ".key");
            if (Files.isRegularFile(k)) {
                out.add(load(c, k));
            }
        }
        if (out.isEmpty()) {
            throw new IOException(dir + ": no NAME.crt with a NAME.key");
        }
        return List.copyOf(out);
    }

    static StaticKey staticKey(Path file) throws IOException {
        ParseResult<StaticKey> parsed = StaticKey.parse(Files.readString(file, StandardCharsets.US_ASCII));
        if (parsed instanceof ParseResult.Ok<StaticKey> ok) {
            return ok.value();
        }
        throw new IOException(file + ": not an OpenVPN static key: " + parsed);
    }
}
