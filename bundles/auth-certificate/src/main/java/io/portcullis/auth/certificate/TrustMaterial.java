package io.portcullis.auth.certificate;

import javax.security.auth.x500.X500Principal;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the authenticator trusts at one moment: an immutable snapshot swapped as a whole when a file
 * changes, so a check never sees half of an update.
 *
 * @param caFile       where the CAs come from
 * @param cas          the configured CA certificates; empty while none could be loaded
 * @param caProblem    why {@code cas} is empty (or stale), if it is
 * @param crlFile      the configured CRL file, if any
 * @param crls         the loaded CRLs by issuer; empty when none is configured or none loaded yet
 * @param crlProblem   why no CRL is loaded though one is configured, if so
 * @param caSetting    the setting that named {@code caFile}, for messages ({@code caFile}, or the
 *                     endpoint's {@code clientRootCertificateChain})
 * @param crlSetting   the setting that named {@code crlFile}, for messages
 */
record TrustMaterial(Path caFile, List<X509Certificate> cas, Optional<String> caProblem,
                     Optional<Path> crlFile, Map<X500Principal, RevocationList> crls, Optional<String> crlProblem,
                     String caSetting, String crlSetting) {

    TrustMaterial {
        cas = List.copyOf(cas);
        crls = Map.copyOf(crls);
    }

    /** True when a CRL file is configured and a CRL was loaded from it. */
    boolean crlInForce() {
        return crlFile.isPresent() && crlProblem.isEmpty();
    }
}
