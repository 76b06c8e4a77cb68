package io.portcullis.auth.certificate;

import javax.security.auth.x500.X500Principal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Loads the CA and CRL files and reloads each when it changes (modification time, size or file
 * identity). A file that fails to load leaves the previous contents in force, with the reason
 * logged; the same broken file is not retried until it changes again.
 */
final class TrustFiles {

    private static final Logger LOG = Logger.getLogger(TrustFiles.class.getName());

    private final Path caFile;
    private final Optional<Path> crlFile;
    private final String caSetting;
    private final String crlSetting;
    private final Clock clock;
    private volatile TrustMaterial current;
    private volatile boolean loaded;
    private Stamp caStamp;   // guarded by this
    private Stamp crlStamp;  // guarded by this

    TrustFiles(Path caFile, Optional<Path> crlFile, Clock clock) {
        this(caFile, crlFile, "caFile", "crlFile", clock);
    }

    /**
     * @param caSetting  the name of the setting that named {@code caFile}, which starts its messages
     * @param crlSetting the same for {@code crlFile}
     */
    TrustFiles(Path caFile, Optional<Path> crlFile, String caSetting, String crlSetting, Clock clock) {
        this.caFile = caFile;
        this.crlFile = crlFile;
        this.caSetting = caSetting;
        this.crlSetting = crlSetting;
        this.clock = clock;
        this.current = new TrustMaterial(caFile, List.of(), Optional.of(caSetting + ": " + caFile + " not loaded yet"),
                crlFile, Map.of(), crlFile.map(p -> crlSetting + ": " + p + " not loaded yet"), caSetting, crlSetting);
    }

    TrustMaterial current() {
        return current;
    }

    /** True once the files were read at least once. */
    boolean loaded() {
        return loaded;
    }

    /** Reads the files if they were never read; afterwards only {@link #refresh()} looks at them again. */
    void ensureLoaded() {
        if (!loaded) {
            synchronized (this) {
                if (!loaded) {
                    refresh();
                }
            }
        }
    }

    /**
     * Reloads what changed since the last call.
     *
     * @return true if the CRLs in force changed
     */
    synchronized boolean refresh() {
        TrustMaterial before = current;
        List<X509Certificate> cas = before.cas();
        Optional<String> caProblem = before.caProblem();
        boolean casChanged = false;

        Stamp caNow = Stamp.of(caFile);
        if (!caNow.equals(caStamp)) {
            caStamp = caNow;
            try {
                cas = loadCas(caSetting, caFile);
                caProblem = Optional.empty();
                casChanged = true;
                List<X509Certificate> loaded = cas;
                LOG.info(() -> caSetting + ": loaded " + loaded.size() + " CA certificate(s) from " + caFile + ": "
                        + loaded.stream().map(c -> c.getSubjectX500Principal().getName()).collect(Collectors.joining("; ")));
            } catch (TrustFileException e) {
                if (cas.isEmpty()) {
                    caProblem = Optional.of(e.getMessage());
                    LOG.warning(e.getMessage() + "; clients cannot be authenticated until it is fixed");
                } else {
                    LOG.warning(e.getMessage() + "; the " + cas.size() + " CA certificate(s) loaded before stay in force");
                }
            }
        }

        Map<X500Principal, RevocationList> crls = before.crls();
        Optional<String> crlProblem = before.crlProblem();
        boolean crlsChanged = false;
        if (crlFile.isPresent()) {
            Path file = crlFile.get();
            Stamp crlNow = Stamp.of(file);
            if (!crlNow.equals(crlStamp) || (casChanged && !cas.isEmpty())) {
                crlStamp = crlNow;
                try {
                    long start = System.nanoTime();
                    crls = loadCrls(crlSetting, file, cas);
                    crlProblem = Optional.empty();
                    crlsChanged = true;
                    logLoaded(file, crls, (System.nanoTime() - start) / 1_000_000);
                } catch (TrustFileException e) {
                    if (crlProblem.isPresent()) {
                        crlProblem = Optional.of(e.getMessage());
                        LOG.warning(e.getMessage() + "; clients are refused until a valid CRL is in place");
                    } else {
                        LOG.warning(e.getMessage() + "; the CRL loaded before stays in force");
                    }
                }
            }
        }
        current = new TrustMaterial(caFile, cas, caProblem, crlFile, crls, crlProblem, caSetting, crlSetting);
        loaded = true;
        return crlsChanged;
    }

    private void logLoaded(Path file, Map<X500Principal, RevocationList> crls, long millis) {
        Instant now = clock.instant();
        for (RevocationList crl : crls.values()) {
            LOG.info(() -> crlSetting + ": loaded the CRL of " + crl.issuer().getName() + " from " + file + " in " + millis
                    + " ms: " + crl.serials().size() + " revoked certificate(s), issued " + crl.thisUpdate()
                    + crl.nextUpdate().map(n -> ", next update " + n).orElse(""));
            crl.nextUpdate().filter(now::isAfter).ifPresent(next -> LOG.warning(crlSetting + ": the CRL of "
                    + crl.issuer().getName() + " in " + file + " is past its next update (" + next
                    + "); it stays in force until a newer one is installed"));
        }
    }

    static List<X509Certificate> loadCas(Path file) throws TrustFileException {
        return loadCas("caFile", file);
    }

    static List<X509Certificate> loadCas(String setting, Path file) throws TrustFileException {
        byte[] content = read(setting, file);
        List<byte[]> ders = new ArrayList<>();
        try {
            if (Pem.isPem(content)) {
                for (Pem.Block block : Pem.blocks(content)) {
                    switch (block.type()) {
                        case "CERTIFICATE", "X509 CERTIFICATE" -> ders.add(block.der());
                        default -> {
                            if (block.type().contains("PRIVATE KEY")) {
                                LOG.warning(setting + ": " + file + " holds a private key, which is ignored;"
                                        + " keep CA keys off the appliance");
                            }
                        }
                    }
                }
            } else {
                ders.add(content);
            }
        } catch (IllegalArgumentException e) {
            throw new TrustFileException(setting + ": " + file + ": " + e.getMessage());
        }
        if (ders.isEmpty()) {
            throw new TrustFileException(setting + ": " + file + " contains no CERTIFICATE block");
        }
        List<X509Certificate> cas = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : ders) {
                X509Certificate ca = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
                boolean v1Root = ca.getVersion() == 1 && ca.getSubjectX500Principal().equals(ca.getIssuerX500Principal());
                if (ca.getBasicConstraints() < 0 && !v1Root) {
                    throw new TrustFileException(setting + ": " + file + ": " + ca.getSubjectX500Principal().getName()
                            + " is not a CA certificate (no basicConstraints CA:TRUE)");
                }
                cas.add(ca);
            }
        } catch (CertificateException e) {
            throw new TrustFileException(setting + ": " + file + ": certificate " + (cas.size() + 1)
                    + " cannot be parsed: " + e.getMessage());
        }
        return cas;
    }

    static Map<X500Principal, RevocationList> loadCrls(Path file, List<X509Certificate> cas) throws TrustFileException {
        return loadCrls("crlFile", file, cas);
    }

    static Map<X500Principal, RevocationList> loadCrls(String setting, Path file, List<X509Certificate> cas)
            throws TrustFileException {
        if (cas.isEmpty()) {
            throw new TrustFileException(setting + ": " + file + " cannot be checked: no CA is loaded");
        }
        byte[] content = read(setting, file);
        List<byte[]> ders = new ArrayList<>();
        try {
            if (Pem.isPem(content)) {
                for (Pem.Block block : Pem.blocks(content)) {
                    if (block.type().equals("X509 CRL")) {
                        ders.add(block.der());
                    }
                }
            } else {
                ders.add(content);
            }
        } catch (IllegalArgumentException e) {
            throw new TrustFileException(setting + ": " + file + ": " + e.getMessage());
        }
        if (ders.isEmpty()) {
            throw new TrustFileException(setting + ": " + file + " contains no X509 CRL block");
        }
        content = null; // let a large PEM text go before the index is built
        Map<X500Principal, RevocationList> crls = new HashMap<>();
        for (int i = 0; i < ders.size(); i++) {
            RevocationList crl;
            try {
                crl = CrlParser.parse(ders.get(i), cas);
            } catch (CrlParser.CrlException e) {
                throw new TrustFileException(setting + ": " + file + ": CRL " + (i + 1) + " refused: " + e.getMessage());
            }
            ders.set(i, null);
            crls.merge(crl.issuer(), crl, (a, b) -> a.thisUpdate().isAfter(b.thisUpdate()) ? a : b);
        }
        return crls;
    }

    private static byte[] read(String setting, Path file) throws TrustFileException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TrustFileException(setting + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new TrustFileException(setting + ": " + file + " cannot be read: " + e);
        }
    }

    /** A file's identity as far as change detection goes; MISSING when it cannot be read. */
    record Stamp(FileTime modified, long size, Object fileKey) {
        static final Stamp MISSING = new Stamp(FileTime.fromMillis(0), -1, null);

        static Stamp of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
            } catch (IOException e) {
                return MISSING;
            }
        }

    }

    /** A trust file is unusable; the message starts with the setting's name and says why. */
    static final class TrustFileException extends Exception {
        private static final long serialVersionUID = 1L;

        TrustFileException(String message) {
            super(message);
        }
    }
}
