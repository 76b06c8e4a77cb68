package io.portcullis.routing.tun;

import java.lang.annotation.Annotation;

/** TunRoutingConfig values for tests, as Config Admin would give them. */
final class TestConfigs {

    private TestConfigs() {
    }

    static TunRoutingConfig config(String prefix, boolean sourceNat, String natOut, int readers, boolean forwarding,
                                   String ip, String nft) {
        return config(prefix, sourceNat, natOut, readers, forwarding, true, ip, nft);
    }

    static TunRoutingConfig config(String prefix, boolean sourceNat, String natOut, int readers, boolean forwarding,
                                   boolean offloads, String ip, String nft) {
        return new TunRoutingConfig() {
            @Override public Class<? extends Annotation> annotationType() { return TunRoutingConfig.class; }
            @Override public String interfacePrefix() { return prefix; }
            @Override public boolean sourceNat() { return sourceNat; }
            @Override public String natOutInterface() { return natOut; }
            @Override public int readerThreads() { return readers; }
            @Override public boolean readOnTransportThreads() { return true; }
            @Override public boolean ipForwarding() { return forwarding; }
            @Override public boolean offloads() { return offloads; }
            @Override public String ipCommand() { return ip; }
            @Override public String nftCommand() { return nft; }
        };
    }

    static TunRoutingConfig defaults() {
        return config("pcl", true, "", 1, true, "ip", "nft");
    }

    static TunRoutingSettings settings(String prefix, boolean sourceNat, String natOut, int readers) {
        return TunRoutingSettings.from(config(prefix, sourceNat, natOut, readers, true, "ip", "nft"));
    }
}
