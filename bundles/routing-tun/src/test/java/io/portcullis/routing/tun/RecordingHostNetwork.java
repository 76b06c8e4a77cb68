package io.portcullis.routing.tun;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the engine would change on the host; can be told to fail like the real one. */
final class RecordingHostNetwork implements HostNetwork {

    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> nftScripts = new CopyOnWriteArrayList<>();
    volatile String failConfigure;
    volatile String failNft;
    volatile String nftMissing;
    volatile boolean forwardingOn;

    @Override
    public void configureDevice(String device, int mtu, InetAddress ipv4, int ipv4Prefix, InetAddress ipv6,
                                int ipv6Prefix) throws IOException {
        calls.add("configure " + device + " mtu " + mtu + " " + ipv4.getHostAddress() + "/" + ipv4Prefix
                + (ipv6 == null ? "" : " " + ipv6.getHostAddress() + "/" + ipv6Prefix));
        if (failConfigure != null) {
            throw new IOException(failConfigure);
        }
    }

    @Override
    public boolean enableForwarding(boolean ipv6) {
        calls.add("forwarding " + (ipv6 ? "ipv6" : "ipv4"));
        return !forwardingOn;
    }

    @Override
    public void replaceRoute(io.portcullis.api.net.IpNetwork destination, java.util.Optional<InetAddress> via,
                             java.util.Optional<String> device) {
        calls.add("route replace " + destination + via.map(h -> " via " + h.getHostAddress()).orElse("")
                + device.map(d -> " dev " + d).orElse(""));
    }

    @Override
    public void deleteRoute(io.portcullis.api.net.IpNetwork destination) {
        calls.add("route del " + destination);
    }

    @Override
    public void checkNftables() throws IOException {
        if (nftMissing != null) {
            throw new IOException(nftMissing);
        }
    }

    @Override
    public void applyNftables(String script) throws IOException {
        calls.add("nft");
        if (failNft != null && script.contains("{")) {
            throw new IOException(failNft);
        }
        nftScripts.add(script);
    }

    String lastScript() {
        return nftScripts.isEmpty() ? null : nftScripts.get(nftScripts.size() - 1);
    }
}
