package io.portcullis.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh test PKI made with the {@code openssl} command line (and {@code openvpn --genkey}), so
 * every file is exactly as those tools write it: PEM certificates, EC P-256 (or RSA) keys in
 * PKCS#8 ({@code BEGIN PRIVATE KEY}) or traditional ({@code BEGIN EC PRIVATE KEY}) form, an
 * {@code openssl ca} CRL, and tls-crypt keys in OpenVPN's "static key V1" text.
 *
 * <ul>
 *   <li>{@link #caCert()}: the CA clients and server chain to;</li>
 *   <li>{@link #server()}: CN=server, serverAuth EKU (what {@code remote-cert-tls server} wants);</li>
 *   <li>{@link #client(String)}: clientAuth EKU ({@link #clientInGroups} with OU values, the
 *       user's groups); {@link #expiredClient(String)},
 *       {@link #revokedClient(String)} (listed in {@link #crl()}), {@link #foreignClient(String)}
 *       (signed by another CA);</li>
 *   <li>{@link #tlsCryptKey()} and {@link #newTlsCryptKey(String)} (a different key).</li>
 * </ul>
 * Private keys are 0600. The CRL file always exists (empty until a revocation) and is rewritten in
 * place by {@link #revoke(Credential)}, so a running server can be shown a change.
 */
public final class TestPki {

    public enum KeyType { EC_P256, RSA_2048 }

    /** PKCS8: {@code BEGIN PRIVATE KEY}; TRADITIONAL: {@code BEGIN EC PRIVATE KEY} / {@code BEGIN RSA PRIVATE KEY}. */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    /** A certificate and its private key (PEM files). */
    public record Credential(String commonName, Path cert, Path key) {}

    private static final Duration CMD = Duration.ofSeconds(30);

    private final Path dir;
    private final Processes openssl;
    private final Authority ca;
    private Authority otherCa;
    private final Credential server;
    private final Path tlsCryptKey;

    private TestPki(Path dir) {
        this.dir = dir;
        this.openssl = new Processes(dir.resolve("logs"));
        this.ca = new Authority(dir.resolve("ca"), "Portcullis Test CA");
        this.server = ca.issue("server", "ext_server", KeyType.EC_P256, KeyFormat.PKCS8, null, null);
        this.tlsCryptKey = newTlsCryptKey("tls-crypt");
    }

    /** Creates CA, server certificate, empty CRL and tls-crypt key under {@code dir}. */
    public static TestPki create(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestPki(dir);
    }

    public Path dir() {
        return dir;
    }

    public Path caCert() {
        return ca.cert;
    }

    public Path crl() {
        return ca.crl;
    }

    public Credential server() {
        return server;
    }

    public Path tlsCryptKey() {
        return tlsCryptKey;
    }

    /** A valid client certificate (EC P-256, PKCS#8 key). */
    public Credential client(String cn) {
        return client(cn, KeyType.EC_P256, KeyFormat.PKCS8);
    }

    public Credential client(String cn, KeyType type, KeyFormat format) {
        return ca.issue(cn, "ext_client", type, format, null, null);
    }

    /**
     * A valid client certificate whose subject carries one OU per group, in order:
     * {@code /OU=<g1>/OU=<g2>/CN=<cn>} (the appliance takes a user's groups from the OU values).
     */
    public Credential clientInGroups(String cn, String... organizationalUnits) {
        return ca.issue(cn, "ext_client", KeyType.EC_P256, KeyFormat.PKCS8, null, null, organizationalUnits);
    }

    /** Signed by the CA, but valid only during 2020. */
    public Credential expiredClient(String cn) {
        return ca.issue(cn, "ext_client", KeyType.EC_P256, KeyFormat.PKCS8, "20200101000000Z", "20201231235959Z");
    }

    /** Signed by the CA and already listed in {@link #crl()}. */
    public Credential revokedClient(String cn) {
        Credential c = client(cn);
        revoke(c);
        return c;
    }

    /** Well-formed, clientAuth, but signed by a second CA the server does not trust. */
    public synchronized Credential foreignClient(String cn) {
        if (otherCa == null) {
            otherCa = new Authority(dir.resolve("other-ca"), "Some Other CA");
        }
        return otherCa.issue(cn, "ext_client", KeyType.EC_P256, KeyFormat.PKCS8, null, null);
    }

    /** Revokes a certificate of this CA and rewrites {@link #crl()} in place. */
    public void revoke(Credential c) {
        ca.revoke(c.cert());
    }

    /** A new tls-crypt key ({@code openvpn --genkey tls-crypt}), e.g. for a client holding the wrong key. */
    public Path newTlsCryptKey(String name) {
        Path f = dir.resolve(name + ".key");
        openssl.check(null, CMD, "openvpn", "--genkey", "tls-crypt", f.toString());
        ownerOnly(f);
        return f;
    }

    private static void ownerOnly(Path f) {
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One CA directory managed with {@code openssl ca}. */
    private final class Authority {
        final Path home;
        final Path cnf;
        final Path cert;
        final Path key;
        final Path crl;

        Authority(Path home, String name) {
            this.home = home;
            this.cnf = home.resolve("openssl.cnf");
            this.cert = home.resolve("ca.crt");
            this.key = home.resolve("ca.key");
            this.crl = home.resolve("crl.pem");
            try {
                Files.createDirectories(home.resolve("newcerts"));
                Files.writeString(home.resolve("index.txt"), "");
                Files.writeString(home.resolve("serial"), "1000\n");
                Files.writeString(home.resolve("crlnumber"), "1000\n");
                Files.writeString(cnf, config(home));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            newKey(key, KeyType.EC_P256, KeyFormat.PKCS8);
            openssl.check(null, CMD, "openssl", "req", "-config", cnf.toString(), "-new", "-x509",
                    "-key", key.toString(), "-subj", "/CN=" + name, "-days", "3650", "-sha256",
                    "-extensions", "ext_ca", "-out", cert.toString());
            writeCrl();
        }

        synchronized Credential issue(String cn, String ext, KeyType type, KeyFormat format, String start, String end,
                                      String... organizationalUnits) {
            StringBuilder subject = new StringBuilder();
            for (String ou : organizationalUnits) {
                if (ou.isEmpty() || ou.matches(".*[/=+\\\\,].*")) {
                    throw new IllegalArgumentException("OU must be a plain name: '" + ou + "'");
                }
                subject.append("/OU=").append(ou);
            }
            subject.append("/CN=").append(cn);
            Path k = dir.resolve(cn + ".key");
            Path csr = home.resolve(cn + ".csr");
            Path c = dir.resolve(cn + ".crt");
            newKey(k, type, format);
            openssl.check(null, CMD, "openssl", "req", "-config", cnf.toString(), "-new", "-key", k.toString(),
                    "-subj", subject.toString(), "-out", csr.toString());
            List<String> cmd = new ArrayList<>(List.of("openssl", "ca", "-batch", "-notext", "-config", cnf.toString(),
                    "-extensions", ext, "-in", csr.toString(), "-out", c.toString()));
            if (start != null) {
                cmd.addAll(List.of("-startdate", start, "-enddate", end));
            } else {
                cmd.addAll(List.of("-days", "825"));
            }
            openssl.run(null, CMD, cmd).orThrow();
            return new Credential(cn, c, k);
        }

        synchronized void revoke(Path certificate) {
            openssl.check(null, CMD, "openssl", "ca", "-batch", "-config", cnf.toString(), "-revoke", certificate.toString());
            writeCrl();
        }

        private void writeCrl() {
            // write next to it and move over, so a reader never sees half a file
            Path tmp = home.resolve("crl.pem.tmp");
            openssl.check(null, CMD, "openssl", "ca", "-batch", "-config", cnf.toString(), "-gencrl", "-out", tmp.toString());
            try {
                Files.move(tmp, crl, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void newKey(Path k, KeyType type, KeyFormat format) {
        List<String> gen = type == KeyType.EC_P256
                ? List.of("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", k.toString())
                : List.of("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", k.toString());
        openssl.run(null, CMD, gen).orThrow();
        if (format == KeyFormat.TRADITIONAL) {
            String tool = type == KeyType.EC_P256 ? "ec" : "rsa";
            Path tmp = k.resolveSibling(k.getFileName() + ".trad");
            openssl.check(null, CMD, "openssl", tool, "-in", k.toString(), "-traditional", "-out", tmp.toString());
            try {
                Files.move(tmp, k, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ownerOnly(k);
    }

    private static String config(Path home) {
        return """
                [ ca ]
                default_ca = CA_default

                [ CA_default ]
                dir              = %s
                database         = $dir/index.txt
                new_certs_dir    = $dir/newcerts
                certificate      = $dir/ca.crt
                private_key      = $dir/ca.key
                serial           = $dir/serial
                crlnumber        = $dir/crlnumber
                default_md       = sha256
                default_days     = 825
                default_crl_days = 3650
                policy           = policy_any
                unique_subject   = no
                copy_extensions  = none
                email_in_dn      = no

                [ policy_any ]
                organizationalUnitName = optional
                commonName = supplied

                [ req ]
                distinguished_name = dn
                prompt             = no

                [ dn ]
                CN = unused

                [ ext_ca ]
                basicConstraints       = critical, CA:true
                keyUsage               = critical, keyCertSign, cRLSign
                subjectKeyIdentifier   = hash

                [ ext_server ]
                basicConstraints       = CA:false
                keyUsage               = critical, digitalSignature, keyAgreement
                extendedKeyUsage       = serverAuth
                subjectKeyIdentifier   = hash
                authorityKeyIdentifier = keyid

                [ ext_client ]
                basicConstraints       = CA:false
                keyUsage               = critical, digitalSignature, keyAgreement
                extendedKeyUsage       = clientAuth
                subjectKeyIdentifier   = hash
                authorityKeyIdentifier = keyid
                """.formatted(home.toAbsolutePath());
    }
}
