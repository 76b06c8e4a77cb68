package io.portcullis.auth.certificate;

import javax.security.auth.x500.X500Principal;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revocation stages handed out with accepted sessions, indexed by (issuer, serial) of every
 * certificate of each session's path. A CRL reload looks up only these keys, so its cost follows the
 * number of live sessions, not the CRL's size. An entry leaves when its stage completes for any
 * reason: revoked here, or cancelled or completed by the endpoint when the session ends.
 */
final class LiveSessions {

    record Key(X500Principal issuer, BigInteger serial) {
    }

    /** One certificate of one session: the session's stage and how to name the certificate. */
    private record Watch(CompletableFuture<String> revocation, String label) {
    }

    private final Map<Key, Set<Watch>> watches = new ConcurrentHashMap<>();

    /** A revocation stage watching every certificate of {@code path} (leaf first). */
    CompletableFuture<String> watch(List<X509Certificate> path) {
        CompletableFuture<String> revocation = new CompletableFuture<>();
        for (int i = 0; i < path.size(); i++) {
            X509Certificate certificate = path.get(i);
            Key key = new Key(certificate.getIssuerX500Principal(), certificate.getSerialNumber());
            String label = (i == 0 ? "certificate serial " : "issuing CA certificate "
                    + certificate.getSubjectX500Principal().getName() + " serial ") + ClientCertificateValidator.hex(certificate);
            Watch watch = new Watch(revocation, label);
            watches.compute(key, (k, set) -> {
                Set<Watch> all = set != null ? set : ConcurrentHashMap.newKeySet();
                all.add(watch);
                return all;
            });
            revocation.whenComplete((reason, failure) -> watches.computeIfPresent(key, (k, set) -> {
                set.remove(watch);
                return set.isEmpty() ? null : set;
            }));
        }
        return revocation;
    }

    /** Completes the stage of every live session a certificate of which {@code crls} revoke. */
    int revokeMatching(Map<X500Principal, RevocationList> crls) {
        int revoked = 0;
        for (Map.Entry<Key, Set<Watch>> entry : watches.entrySet()) {
            RevocationList crl = crls.get(entry.getKey().issuer());
            if (crl == null) {
                continue;
            }
            Optional<RevocationList.Revocation> revocation = crl.lookup(entry.getKey().serial());
            if (revocation.isEmpty()) {
                continue;
            }
            for (Watch watch : List.copyOf(entry.getValue())) {
                String reason = watch.label() + " revoked by the CRL of " + crl.issuer().getName()
                        + " (" + revocation.get().describe() + ")";
                if (watch.revocation().complete(reason)) {
                    revoked++;
                }
            }
        }
        return revoked;
    }

    /** Certificates being watched (a session counts once per certificate of its path). */
    int size() {
        return watches.values().stream().mapToInt(Set::size).sum();
    }

    void clear() {
        watches.clear();
    }
}
