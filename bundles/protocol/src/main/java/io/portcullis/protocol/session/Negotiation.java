package io.portcullis.protocol.session;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.keymethod.PeerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Data-channel parameters agreed with a client (reference §6, §8.2): cipher and engine-owned push options. */
final class Negotiation {

    private Negotiation() {
    }

    /**
     * The first server cipher listed in IV_CIPHERS; without IV_CIPHERS, AES-256/128-GCM for
     * IV_NCP=2; else the client's OCC {@code cipher} if the server allows it; else {@code null}.
     */
    static AeadAlgorithm chooseCipher(List<AeadAlgorithm> serverPreference, PeerInfo info, String occOptions) {
        List<String> offered = info.ciphers();
        if (!offered.isEmpty()) {
            for (AeadAlgorithm a : serverPreference) {
                if (offered.stream().anyMatch(o -> o.trim().equalsIgnoreCase(a.openVpnName()))) {
                    return a;
                }
            }
            return null;
        }
        if (info.ncpVersion() >= 2) {
            for (AeadAlgorithm a : serverPreference) {
                if (a == AeadAlgorithm.AES_256_GCM || a == AeadAlgorithm.AES_128_GCM) {
                    return a;
                }
            }
        }
        for (String part : occOptions.split(",")) {
            if (part.startsWith("cipher ")) {
                Optional<AeadAlgorithm> a = AeadAlgorithm.byOpenVpnName(part.substring(7));
                if (a.isPresent() && serverPreference.contains(a.get())) {
                    return a.get();
                }
            }
        }
        return null;
    }

    /**
     * The PUSH_REPLY options the engine owns, in 2.6's order: {@code peer-id} (IV_PROTO
     * DATA_V2), {@code cipher}, then {@code protocol-flags cc-exit [tls-ekm]} for clients with
     * the CC_EXIT bit, or {@code key-derivation tls-ekm} for EKM clients without it.
     */
    static List<String> engineOwnedOptions(PeerInfo peerInfo, AeadAlgorithm cipher, boolean keyExport,
            boolean dataV2, int peerId) {
        List<String> options = new ArrayList<>();
        if (dataV2) {
            options.add("peer-id " + peerId);
        }
        options.add("cipher " + cipher.openVpnName());
        if (peerInfo.hasProtoFlag(PeerInfo.PROTO_CC_EXIT_NOTIFY)) {
            options.add(keyExport ? "protocol-flags cc-exit tls-ekm" : "protocol-flags cc-exit");
        } else if (keyExport) {
            options.add("key-derivation tls-ekm");
        }
        return options;
    }
}
