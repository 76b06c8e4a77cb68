package io.portcullis.endpoint.runtime;

import java.time.Instant;

/** A snapshot of one connection for operators' views. */
public record ClientConnectionView(String id, String user, String clientIp, String deviceIp, Instant started,
                                   long ingressBytes, long egressBytes, String cipher) {

    static ClientConnectionView of(ClientConnection c) {
        var user = c.user;
        var address = c.address;
        return new ClientConnectionView(c.id, user == null ? "" : user.name(),
                address == null ? "" : address.getHostAddress(), c.peer.getAddress().getHostAddress() + ":" + c.peer.getPort(),
                c.started, c.ingressBytes, c.egressBytes, c.cipherName);
    }
}
