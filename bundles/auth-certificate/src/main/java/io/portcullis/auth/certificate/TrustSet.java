package io.portcullis.auth.certificate;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One CA file with its CRL file, if any: the files (reloaded when they change) and the revocation
 * stages of the live sessions accepted against them. The authenticator keeps one per (CA, CRL) pair
 * that requests name, plus the configured one.
 */
final class TrustSet {

    /** What identifies a trust set: the absolute, normalised paths of its files. */
    record Key(Path caFile, Optional<Path> crlFile) {
        @Override
        public String toString() {
            return caFile + crlFile.map(crl -> " with CRL " + crl).orElse("");
        }
    }

    private final Key key;
    private final boolean configured;
    private final TrustFiles files;
    private final LiveSessions sessions = new LiveSessions();
    private Instant lastUsed; // guarded by this
    private boolean retired;  // guarded by this

    /**
     * @param configured true for the authenticator's own caFile and crlFile: never dropped, and its
     *                   messages name those settings rather than the endpoint's
     */
    TrustSet(Key key, boolean configured, Clock clock) {
        this.key = key;
        this.configured = configured;
        this.files = configured
                ? new TrustFiles(key.caFile(), key.crlFile(), "caFile", "crlFile", clock)
                : new TrustFiles(key.caFile(), key.crlFile(), "clientRootCertificateChain",
                        "clientCertificateRevocationList", clock);
        this.lastUsed = clock.instant();
    }

    Key key() {
        return key;
    }

    TrustFiles files() {
        return files;
    }

    LiveSessions sessions() {
        return sessions;
    }

    /** Notes a use now; false if the set was dropped meanwhile (the caller takes a new one). */
    synchronized boolean use(Instant now) {
        if (retired) {
            return false;
        }
        if (now.isAfter(lastUsed)) {
            lastUsed = now;
        }
        return true;
    }

    synchronized boolean retired() {
        return retired;
    }

    /**
     * Retires the set if no request used it for {@code idle} and no live session depends on it. A
     * retired set is never used again; the caller removes it from the cache.
     */
    synchronized boolean retireIfIdle(Instant now, Duration idle) {
        if (configured || retired || sessions.size() > 0 || now.isBefore(lastUsed.plus(idle))) {
            return false;
        }
        retired = true;
        return true;
    }

    /**
     * Reloads what changed (only once the set was first used) and ends the live sessions a new CRL
     * revokes.
     *
     * @return how many sessions it ended
     */
    int refresh() {
        if (!files.loaded()) {
            return 0; // never used: not read before a request needs it
        }
        return files.refresh() ? sessions.revokeMatching(files.current().crls()) : 0;
    }

    /** True when the set cannot decide now: no CA, or a CRL file with no CRL loaded from it. */
    boolean unusable() {
        TrustMaterial trust = files.current();
        return trust.cas().isEmpty() || (trust.crlFile().isPresent() && !trust.crlInForce());
    }

    @Override
    public String toString() {
        return (configured ? "the configured CA " : "the client CA ") + key;
    }
}
