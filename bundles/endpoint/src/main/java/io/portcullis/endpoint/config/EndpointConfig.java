package io.portcullis.endpoint.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One OpenVPN endpoint (factory PID {@code io.portcullis.endpoint}: one etc/io.portcullis.endpoint-NAME.cfg
 * each). Names follow the managed client VPN service's API so operators recognise them.
 */
@ObjectClassDefinition(
        name = "Portcullis OpenVPN endpoint",
        description = "An OpenVPN server endpoint: where it listens, how clients sign in, which networks they reach.")
public @interface EndpointConfig {

    @AttributeDefinition(description = "Transport plugin: udp or tcp.",
            options = {@Option(label = "UDP", value = "udp"), @Option(label = "TCP", value = "tcp")})
    String transportProtocol() default "udp";

    @AttributeDefinition(description = "Port clients connect to.")
    int vpnPort() default 1194;

    @AttributeDefinition(description = "IP address to listen on (0.0.0.0 for all).")
    String listenAddress() default "127.0.0.1";

    @AttributeDefinition(description = "IPv4 CIDR that client addresses are leased from (/16 to /29). "
            + "The first host address is the appliance's own.")
    String clientCidrBlock() default "10.8.0.0/22";

    @AttributeDefinition(description = "Server certificate (PEM). Created at first start with etc/pki if missing.")
    String serverCertificate() default "etc/pki/server.crt";

    @AttributeDefinition(description = "Server private key (PEM, PKCS#8 or traditional EC/RSA).")
    String serverKey() default "etc/pki/server.key";

    @AttributeDefinition(description = "CA certificate(s) that issue client certificates (PEM).")
    String clientRootCertificateChain() default "etc/pki/ca.crt";

    @AttributeDefinition(description = "CRL of revoked client certificates (PEM or DER); empty for none. "
            + "Reloaded when the file changes.", required = false)
    String clientCertificateRevocationList() default "";

    @AttributeDefinition(description = "Control-channel protection: tls-crypt, tls-auth or none.",
            options = {@Option(label = "tls-crypt", value = "tls-crypt"), @Option(label = "tls-auth", value = "tls-auth"),
                    @Option(label = "none", value = "none")})
    String controlChannelProtection() default "tls-crypt";

    @AttributeDefinition(description = "OpenVPN static key file for tls-crypt or tls-auth.")
    String tlsCryptKey() default "etc/pki/tls-crypt.key";

    @AttributeDefinition(description = "Authenticators, in order, by name (comma list), e.g. certificate.")
    String authentication() default "certificate";

    @AttributeDefinition(description = "Routing engine by name, e.g. tun.")
    String routing() default "tun";

    @AttributeDefinition(description = "Split tunnel: clients receive only the routes their groups are authorized "
            + "for. False: clients receive redirect-gateway and send all their traffic through the appliance "
            + "(still subject to the authorization rules). Routes are route.<n> = <cidr>|<target>|<description> and "
            + "rules authorizationRule.<n> = <cidr>|group=<name>|<description> or <cidr>|all-users|<description>.")
    boolean splitTunnel() default true;

    @AttributeDefinition(description = "IPv6 network client addresses are leased from (/64 to /120) for a "
            + "dual-stack endpoint; empty for IPv4 only. IPv6 is routed without NAT.", required = false)
    String clientIpv6CidrBlock() default "";

    @AttributeDefinition(description = "Client-connect handler by name (e.g. client-version), called after sign-in "
            + "and before authorization; empty for none.", required = false)
    String connectionHandler() default "";

    @AttributeDefinition(description = "Seconds a client-connect handler may take; one that takes longer denies.")
    int connectionHandlerTimeoutSeconds() default 30;

    @AttributeDefinition(description = "Data-channel ciphers the endpoint accepts, in order of preference.")
    String dataCiphers() default "AES-256-GCM,AES-128-GCM,CHACHA20-POLY1305";

    @AttributeDefinition(description = "DNS servers pushed to clients (up to 2 IP addresses, comma list).",
            required = false)
    String dnsServers() default "";

    @AttributeDefinition(description = "DNS search domains pushed to clients (comma list).", required = false)
    String dnsSearchDomains() default "";

    @AttributeDefinition(description = "Text shown to clients that can display it after they connect "
            + "(UTF-8, up to 1400 characters).", required = false)
    String clientLoginBanner() default "";

    @AttributeDefinition(description = "Translate client addresses to the appliance's when forwarding to the routes.")
    boolean sourceNat() default true;

    @AttributeDefinition(description = "TUN device name; empty lets the routing engine choose.", required = false)
    String interfaceName() default "";

    @AttributeDefinition(description = "Tunnel MTU.")
    int tunnelMtu() default 1500;

    @AttributeDefinition(description = "Socket buffer size in bytes pushed to clients (rcvbuf and sndbuf): "
            + "room for the runs of packets the appliance sends, which a client with its OS default "
            + "(208 KiB on Linux) drops in part when it falls behind. The client's OS caps it (Linux: "
            + "net.core.rmem_max and wmem_max) and Linux doubles it. 0 pushes nothing; else 65536-16777216.")
    int clientSocketBufferBytes() default 1048576;

    @AttributeDefinition(description = "Seconds between keepalive pings (pushed to clients as ping).")
    int keepaliveIntervalSeconds() default 10;

    @AttributeDefinition(description = "Seconds without traffic after which a session is ended (ping-restart).")
    int keepaliveTimeoutSeconds() default 60;

    @AttributeDefinition(description = "Maximum session length in hours: 8, 10, 12 or 24. A longer session is "
            + "disconnected and must sign in again.")
    int sessionTimeoutHours() default 24;

    @AttributeDefinition(description = "Maximum session length in seconds, overriding sessionTimeoutHours when "
            + "above 0 (for tests and short-lived endpoints).")
    int sessionTimeoutSeconds() default 0;

    @AttributeDefinition(description = "Directory of the connection logs (one JSON object per line, "
            + "<endpoint>.log); relative to the Karaf home.")
    String connectionLogDirectory() default "data/log/connections";

    @AttributeDefinition(description = "Minutes between connection log updates for live connections.")
    int connectionLogUpdateMinutes() default 15;

    @AttributeDefinition(description = "Size in bytes at which the connection log is rotated.")
    long connectionLogMaxBytes() default 10L * 1024 * 1024;

    @AttributeDefinition(description = "Rotated connection log files kept.")
    int connectionLogFiles() default 10;

    @AttributeDefinition(description = "Seconds between data-channel key renegotiations started by the server; 0 for never.")
    int renegotiateSeconds() default 3600;
}
