package io.portcullis.auth.certificate;

import javax.security.auth.x500.X500Principal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;

/**
 * One verified CRL: who issued it, when, and what it revokes.
 *
 * @param issuer     the CA that signed it (a configured CA)
 * @param thisUpdate when the CA issued it
 * @param nextUpdate when the CA promised the next one, if it said
 * @param serials    the revoked serial numbers of certificates {@code issuer} issued
 */
record RevocationList(X500Principal issuer, Instant thisUpdate, Optional<Instant> nextUpdate, RevokedSerials serials) {

    /** Why and when {@code serial} was revoked, or empty if it was not. */
    Optional<Revocation> lookup(BigInteger serial) {
        int entry = serials.find(serial);
        if (entry < 0) {
            return Optional.empty();
        }
        return Optional.of(new Revocation(Instant.ofEpochSecond(serials.revokedAtEpochSecond(entry)),
                reasonName(serials.reason(entry))));
    }

    /** A revocation entry: when, and the CRL reason if it gave one. */
    record Revocation(Instant at, Optional<String> reason) {
        String describe() {
            return "revoked on " + at + reason.map(r -> " (" + r + ")").orElse("");
        }
    }

    static Optional<String> reasonName(int code) {
        return Optional.ofNullable(switch (code) {
            case 0 -> "unspecified";
            case 1 -> "keyCompromise";
            case 2 -> "cACompromise";
            case 3 -> "affiliationChanged";
            case 4 -> "superseded";
            case 5 -> "cessationOfOperation";
            case 6 -> "certificateHold";
            case 9 -> "privilegeWithdrawn";
            case 10 -> "aACompromise";
            default -> null;
        });
    }
}
