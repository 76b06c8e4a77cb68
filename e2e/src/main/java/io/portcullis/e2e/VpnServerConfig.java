package io.portcullis.e2e;

import java.nio.file.Path;
import java.util.List;

/**
 * What a server under test is started with; the names follow the appliance endpoint's settings
 * (issue 4) so both implementations read the same thing. Paths are absolute.
 *
 * @param name               endpoint name (the appliance writes etc/io.portcullis.endpoint-&lt;name&gt;.cfg)
 * @param namespace          network namespace the server runs in (the appliance namespace)
 * @param transport          transportProtocol
 * @param listenAddress      listenAddress: an address of {@code namespace}
 * @param port               vpnPort
 * @param clientCidrBlock    clientCidrBlock, e.g. 10.8.0.0/24
 * @param routes             networks every client reaches: pushed as routes (the appliance writes each as
 *                           route.&lt;n&gt; with an all-users authorizationRule.&lt;n&gt;), e.g. [10.0.0.0/24]
 * @param caCert             clientRootCertificateChain
 * @param serverCert         serverCertificate
 * @param serverKey          serverKey
 * @param crl                clientCertificateRevocationList, or null
 * @param protection         controlChannelProtection
 * @param controlChannelKey  tlsCryptKey (tls-crypt or tls-auth key), null with NONE
 * @param dataCiphers        dataCiphers, in order of preference
 * @param keepaliveSeconds   ping interval the server pushes; 0 = server default
 * @param keepaliveTimeout   seconds without traffic before a client is reaped; 0 = server default
 * @param workDir            a directory of its own for config, logs, unpacked files
 */
public record VpnServerConfig(
        String name,
        String namespace,
        Transport transport,
        String listenAddress,
        int port,
        String clientCidrBlock,
        List<String> routes,
        Path caCert,
        Path serverCert,
        Path serverKey,
        Path crl,
        ControlChannelProtection protection,
        Path controlChannelKey,
        List<String> dataCiphers,
        int keepaliveSeconds,
        int keepaliveTimeout,
        Path workDir) {

    public static final String DEFAULT_CLIENT_CIDR = "10.8.0.0/24";
    public static final List<String> ALL_CIPHERS = List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305");

    public VpnServerConfig {
        routes = List.copyOf(routes);
        dataCiphers = List.copyOf(dataCiphers);
    }

    /** The usual test endpoint: in the network's appliance namespace, the PKI's files, tls-crypt, 10.0.0.0/24 pushed. */
    public static VpnServerConfig defaults(TestNetwork net, TestPki pki, Transport transport, Path workDir) {
        return new VpnServerConfig("e2e", net.applianceNamespace(), transport, TestNetwork.APPLIANCE_ADDRESS, 1194,
                DEFAULT_CLIENT_CIDR, List.of(TestNetwork.PRIVATE_CIDR), pki.caCert(), pki.server().cert(),
                pki.server().key(), pki.crl(), ControlChannelProtection.TLS_CRYPT, pki.tlsCryptKey(), ALL_CIPHERS,
                10, 60, workDir);
    }

    public VpnServerConfig withDataCiphers(List<String> ciphers) {
        return new VpnServerConfig(name, namespace, transport, listenAddress, port, clientCidrBlock, routes, caCert,
                serverCert, serverKey, crl, protection, controlChannelKey, ciphers, keepaliveSeconds, keepaliveTimeout,
                workDir);
    }

    public VpnServerConfig withProtection(ControlChannelProtection p, Path key) {
        return new VpnServerConfig(name, namespace, transport, listenAddress, port, clientCidrBlock, routes, caCert,
                serverCert, serverKey, crl, p, key, dataCiphers, keepaliveSeconds, keepaliveTimeout, workDir);
    }

    public VpnServerConfig withKeepalive(int seconds, int timeout) {
        return new VpnServerConfig(name, namespace, transport, listenAddress, port, clientCidrBlock, routes, caCert,
                serverCert, serverKey, crl, protection, controlChannelKey, dataCiphers, seconds, timeout, workDir);
    }

    /** Another endpoint name (the appliance's shipped endpoint is {@code main}). */
    public VpnServerConfig withName(String endpointName) {
        return new VpnServerConfig(endpointName, namespace, transport, listenAddress, port, clientCidrBlock, routes,
                caCert, serverCert, serverKey, crl, protection, controlChannelKey, dataCiphers, keepaliveSeconds,
                keepaliveTimeout, workDir);
    }

    /** Other networks clients reach (none: the test configures routes and rules itself). */
    public VpnServerConfig withRoutes(List<String> networks) {
        return new VpnServerConfig(name, namespace, transport, listenAddress, port, clientCidrBlock, networks, caCert,
                serverCert, serverKey, crl, protection, controlChannelKey, dataCiphers, keepaliveSeconds,
                keepaliveTimeout, workDir);
    }

    /** The same server with its config, logs and unpacked files in another directory (e.g. a second start). */
    public VpnServerConfig withWorkDir(Path dir) {
        return new VpnServerConfig(name, namespace, transport, listenAddress, port, clientCidrBlock, routes, caCert,
                serverCert, serverKey, crl, protection, controlChannelKey, dataCiphers, keepaliveSeconds,
                keepaliveTimeout, dir);
    }

    public VpnServerConfig withClientCidrBlock(String cidr) {
        return new VpnServerConfig(name, namespace, transport, listenAddress, port, cidr, routes, caCert,
                serverCert, serverKey, crl, protection, controlChannelKey, dataCiphers, keepaliveSeconds,
                keepaliveTimeout, workDir);
    }
}
