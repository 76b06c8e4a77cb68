package io.portcullis.e2e;

/**
 * The tunnel contract against the stock OpenVPN server ({@code openvpn --server}, disable-dco):
 * proves the harness (namespaces, PKI, client profile, HTTP, checksums) on a known-good peer.
 */
class StockServerBaselineIT extends TunnelContract {

    @Override
    protected VpnServerUnderTest newServer(Processes processes) {
        return new StockOpenVpnServer(processes);
    }
}
