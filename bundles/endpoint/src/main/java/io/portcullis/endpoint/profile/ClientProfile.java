package io.portcullis.endpoint.profile;

import io.portcullis.api.net.IpNetwork;
import io.portcullis.endpoint.config.EndpointSettings;
import io.portcullis.endpoint.config.EndpointSettings.ControlChannelProtection;
import io.portcullis.endpoint.pki.CredentialFiles;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The {@code .ovpn} profile a stock OpenVPN 2.5/2.6 client imports as is, for one endpoint,
 * without the user's certificate and key (whoever exports it appends {@code <cert>} and
 * {@code <key>}): client, dev tun, proto, remote, nobind, remote-cert-tls server, data-ciphers,
 * the CA inline and the control-channel key inline.
 *
 * <p>Trust: the client must trust the CA that signed the <em>server</em> certificate. The profile
 * inlines the endpoint's {@code clientRootCertificateChain}, which is that CA when one CA signs
 * server and client certificates (the first-boot PKI in etc/pki/ does). {@link #forEndpoint}
 * checks it: it refuses when the server certificate does not chain to that file, rather than
 * hand out a profile that cannot connect.
 */
public final class ClientProfile {

    private static final String HOST_NAME =
            "(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?";

    private ClientProfile() {
    }

    /** The profile for the endpoint {@code s}, reading its CA, server certificate and control-channel key files. */
    public static String forEndpoint(EndpointSettings s, Optional<String> remote) {
        String host = remoteHost(s.listen().getAddress(), remote);
        List<X509Certificate> ca = CredentialFiles.certificates("clientRootCertificateChain", s.clientRootCertificateChain());
        List<X509Certificate> server = CredentialFiles.certificates("serverCertificate", s.serverCertificate());
        if (!chainsTo(server, ca)) {
            throw new IllegalStateException("the server certificate (" + server.get(0).getSubjectX500Principal()
                    + ", issued by " + server.get(0).getIssuerX500Principal() + ") does not chain to clientRootCertificateChain "
                    + s.clientRootCertificateChain() + ", so a client trusting that CA could not verify the server. "
                    + "The exported profile inlines that file as its <ca>: use one CA for server and client "
                    + "certificates (as the first-boot PKI does), or write the profile by hand with the server's CA");
        }
        Optional<String> key = s.controlChannelProtection() == ControlChannelProtection.NONE ? Optional.empty()
                : Optional.of(CredentialFiles.staticKey("tlsCryptKey", s.tlsCryptKey().orElseThrow()).toText());
        return text(s.endpointId(), s.transportProtocol(), host, s.listen().getPort(), s.dataCiphers(), ca,
                s.controlChannelProtection(), key);
    }

    /**
     * The profile text.
     *
     * @param transport  the endpoint's transportProtocol: udp or tcp
     * @param staticKey  the tls-crypt / tls-auth key in OpenVPN's text form; empty with {@code NONE}
     */
    public static String text(String endpointId, String transport, String host, int port, List<String> dataCiphers,
                              List<X509Certificate> ca, ControlChannelProtection protection, Optional<String> staticKey) {
        String proto = switch (transport) {
            case "udp" -> "udp";
            case "tcp" -> "tcp-client";
            default -> throw new IllegalStateException("the endpoint's transport '" + transport
                    + "' has no stock OpenVPN client equivalent; profiles can be exported for udp and tcp endpoints");
        };
        if (ca.isEmpty()) {
            throw new IllegalArgumentException("no CA certificate to put in the profile");
        }
        if (protection != ControlChannelProtection.NONE && staticKey.isEmpty()) {
            throw new IllegalArgumentException(protection.label() + " needs its key in the profile");
        }
        StringBuilder s = new StringBuilder();
        s.append("# OpenVPN client profile for Portcullis endpoint '").append(endpointId.replaceAll("\\p{Cntrl}", "?"))
                .append("'\n");
        s.append("# <ca> is the endpoint's clientRootCertificateChain, the CA that signed the server certificate\n");
        s.append("client\n");
        s.append("dev tun\n");
        s.append("proto ").append(proto).append('\n');
        s.append("remote ").append(host).append(' ').append(port).append('\n');
        s.append("nobind\n");
        s.append("remote-cert-tls server\n");
        s.append("data-ciphers ").append(String.join(":", dataCiphers)).append('\n');
        s.append("<ca>\n");
        ca.forEach(c -> s.append(pem(c)));
        s.append("</ca>\n");
        switch (protection) {
            case TLS_CRYPT -> block(s, "tls-crypt", staticKey.get());
            case TLS_AUTH -> {
                s.append("key-direction 1\n");
                block(s, "tls-auth", staticKey.get());
            }
            case NONE -> { }
        }
        return s.toString();
    }

    /**
     * The host clients connect to: {@code remote} when given, else the listen address unless it is
     * a wildcard (0.0.0.0 or ::), which clients cannot connect to.
     */
    public static String remoteHost(InetAddress listen, Optional<String> remote) {
        if (remote.isPresent()) {
            String host = remote.get().trim();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.contains(":") || host.matches("[0-9.]+")) {
                InetAddress address;
                try {
                    address = IpNetwork.parseAddress(host);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--remote: " + e.getMessage());
                }
                checkNotWildcard(address, "--remote");
                return host;
            }
            if (!host.matches(HOST_NAME) || host.length() > 253) {
                throw new IllegalArgumentException("--remote: '" + remote.get().replaceAll("\\p{Cntrl}", "?")
                        + "' is not a host name or IP address");
            }
            return host;
        }
        if (listen.isAnyLocalAddress()) {
            throw new IllegalArgumentException("the endpoint listens on the wildcard address " + listen.getHostAddress()
                    + ", which clients cannot connect to; pass --remote <host name or address clients reach the appliance at>");
        }
        return listen.getHostAddress();
    }

    private static void checkNotWildcard(InetAddress address, String what) {
        if (address.isAnyLocalAddress()) {
            throw new IllegalArgumentException(what + ": " + address.getHostAddress()
                    + " is a wildcard address; give the host name or address clients reach the appliance at");
        }
    }

    /** True when the leaf (first) certificate reaches a certificate of {@code trusted} through the chain it came with. */
    static boolean chainsTo(List<X509Certificate> chain, List<X509Certificate> trusted) {
        X509Certificate current = chain.get(0);
        for (int hops = 0; hops <= chain.size(); hops++) {
            for (X509Certificate anchor : trusted) {
                if (signedBy(current, anchor)) {
                    return true;
                }
            }
            X509Certificate next = null;
            for (X509Certificate candidate : chain) {
                if (candidate != current && signedBy(current, candidate)) {
                    next = candidate;
                    break;
                }
            }
            if (next == null) {
                return false;
            }
            current = next;
        }
        return false;
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void block(StringBuilder s, String tag, String content) {
        s.append('<').append(tag).append(">\n").append(content.strip()).append('\n')
                .append("</").append(tag).append(">\n");
    }

    static String pem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode " + certificate.getSubjectX500Principal() + ": " + e.getMessage(), e);
        }
    }
}
