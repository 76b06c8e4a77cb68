package io.portcullis.e2e;

import java.util.regex.Pattern;

/**
 * The tunnel contract against the appliance: the built distribution with one endpoint
 * configuration, booted with {@code bin/karaf server} in the appliance namespace.
 */
class ApplianceTunnelIT extends TunnelContract {

    @Override
    protected VpnServerUnderTest newServer(Processes processes) {
        return new PortcullisAppliance(processes);
    }

    @Override
    protected Pattern refusalLogged(Refusal reason, String commonName) {
        String who = "\\(" + Pattern.quote(commonName) + "\\): refused: ";
        return Pattern.compile(switch (reason) {
            case REVOKED -> who + "certificate revoked on ";
            case EXPIRED -> who + "certificate expired on ";
            case OTHER_CA -> who + "not issued by the configured CA";
            // no TLS happens: the first packet already fails tls-crypt authentication
            case NO_TLS_CRYPT_KEY, WRONG_TLS_CRYPT_KEY -> "first packet from /172\\.31\\.255\\.\\d+:\\d+ refused: ";
        });
    }
}
