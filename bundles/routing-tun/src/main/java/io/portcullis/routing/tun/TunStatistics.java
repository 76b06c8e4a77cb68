package io.portcullis.routing.tun;

/**
 * Counters of one attachment since it was made.
 *
 * @param readsFromNetwork   frames read from the device: with offloads one TCP super-packet is many packets
 * @param packetsFromNetwork packets read from the device and handed to the receiver
 * @param bytesFromNetwork   their bytes
 * @param packetsToNetwork   packets from clients written to the device (or held to be merged with the next ones)
 * @param bytesToNetwork     their bytes
 * @param malformed          packets dropped, either way, because they were not a well-formed IP packet
 * @param outsideClientNetwork packets dropped because the client-side address was not in the client networks
 * @param receiverFailures   packets the receiver threw on
 * @param writeDrops         packets the device refused (closing, kernel refused), held ones included
 */
record TunStatistics(long readsFromNetwork, long packetsFromNetwork, long bytesFromNetwork, long packetsToNetwork,
                            long bytesToNetwork, long malformed, long outsideClientNetwork,
                            long receiverFailures, long writeDrops) {

    @Override
    public String toString() {
        return packetsFromNetwork + " packets (" + bytesFromNetwork + " bytes, " + readsFromNetwork
                + " reads) to clients, " + packetsToNetwork
                + " packets (" + bytesToNetwork + " bytes) from clients, dropped: " + malformed + " malformed, "
                + outsideClientNetwork + " outside the client networks, " + receiverFailures + " receiver failures, "
                + writeDrops + " refused by the device";
    }
}
