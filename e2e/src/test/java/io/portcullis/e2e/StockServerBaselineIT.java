package io.portcullis.e2e;

import java.util.regex.Pattern;

/**
 * The tunnel contract against the stock OpenVPN server ({@code openvpn --server}, disable-dco):
 * proves the harness (namespaces, PKI and its bad variants, client profile, HTTP, checksums) on a
 * known-good peer.
 */
class StockServerBaselineIT extends TunnelContract {

    @Override
    protected VpnServerUnderTest newServer(Processes processes) {
        return new StockOpenVpnServer(processes);
    }

    @Override
    protected Pattern refusalLogged(Refusal reason, String commonName) {
        String cn = Pattern.quote("CN=" + commonName);
        return Pattern.compile(switch (reason) {
            // crl-verify <file> hands the CRL to OpenSSL's chain check, which names the reason
            case REVOKED -> "VERIFY ERROR: depth=0, error=certificate revoked: " + cn;
            case EXPIRED -> "VERIFY ERROR: depth=0, error=certificate has expired: " + cn;
            case OTHER_CA -> "VERIFY ERROR: depth=0, error=unable to get local issuer certificate: " + cn;
            // without the key, or with another one, the packet fails tls-crypt authentication
            case NO_TLS_CRYPT_KEY, WRONG_TLS_CRYPT_KEY -> "tls-crypt unwrap error|tls-crypt unwrapping failed";
        });
    }
}
