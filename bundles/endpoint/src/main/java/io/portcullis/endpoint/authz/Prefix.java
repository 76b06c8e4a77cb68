package io.portcullis.endpoint.authz;

import io.portcullis.api.net.IpNetwork;

/**
 * A rule destination as a key for the lookup structures (build time only): its address bits (see
 * {@link AddressBits}), its length, and the id of its {@link DecidingSets deciding set}.
 */
record Prefix(long high, long low, int length, boolean ipv4, int id) {

    static Prefix of(IpNetwork network, int id) {
        byte[] bytes = network.address().getAddress();
        return new Prefix(AddressBits.high(bytes), AddressBits.low(bytes), network.prefixLength(), bytes.length == 4, id);
    }
}
