package io.portcullis.protocol.session;

import io.portcullis.protocol.keymethod.PeerInfo;
import io.portcullis.protocol.keymethod.SecretBytes;
import io.portcullis.protocol.tls.TlsCredentials;
import io.portcullis.protocol.wrap.ControlChannelProtection;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ClientSession}.
 *
 * @param protection client-side wrapping ({@code TlsCrypt.forClient}, {@code TlsAuth} with
 *        direction 1, or none), thread-safe and shared by sessions
 * @param credentials client certificate and key, or {@code null} for a certificate-less client
 * @param username empty for none
 * @param password empty for none
 * @param peerInfo sent in key-method 2 (IV_PROTO, IV_CIPHERS...)
 * @param options the OCC options string
 * @param handshakeWindow a key negotiation not complete by then closes the session
 * @param renegotiateAfter client reneg-sec; {@link Duration#ZERO} = never
 */
public record ClientSessionConfig(ControlChannelProtection protection, TlsCredentials credentials, String username,
        SecretBytes password, PeerInfo peerInfo, String options, Duration handshakeWindow,
        Duration renegotiateAfter) {

    /**
     * IV_PROTO of a stock 2.6 client (990: DATA_V2, push, EKM, cc-exit...) without bit 9, dynamic
     * tls-crypt, which this client does not implement: a stock 2.6 server would otherwise wrap
     * renegotiations with a key this client does not derive.
     */
    public static final int IV_PROTO = 990 & ~(1 << 9);

    /** Peer info of a stock 2.6 client: AEAD ciphers, {@link #IV_PROTO}. */
    public static final PeerInfo STOCK_2_6_PEER_INFO = PeerInfo.parse("IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\n"
            + "IV_MTU=1600\nIV_NCP=2\nIV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=" + IV_PROTO + "\n");
    public static final String STOCK_OPTIONS = "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,"
            + "cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client";

    public ClientSessionConfig {
        Objects.requireNonNull(protection, "protection");
        username = username == null ? "" : username;
        password = password == null ? SecretBytes.EMPTY : password;
        peerInfo = peerInfo == null ? PeerInfo.EMPTY : peerInfo;
        options = options == null ? STOCK_OPTIONS : options;
        Objects.requireNonNull(handshakeWindow, "handshakeWindow");
        renegotiateAfter = renegotiateAfter == null ? Duration.ZERO : renegotiateAfter;
    }

    /** A stock-2.6-like client: 60 s hand-window, no renegotiation. */
    public static ClientSessionConfig stock(ControlChannelProtection protection, TlsCredentials credentials,
            String username, SecretBytes password) {
        return new ClientSessionConfig(protection, credentials, username, password, STOCK_2_6_PEER_INFO,
                STOCK_OPTIONS, Duration.ofSeconds(60), Duration.ZERO);
    }

    public ClientSessionConfig withPeerInfo(PeerInfo info) {
        return new ClientSessionConfig(protection, credentials, username, password, info, options, handshakeWindow,
                renegotiateAfter);
    }

    public ClientSessionConfig withRenegotiateAfter(Duration period) {
        return new ClientSessionConfig(protection, credentials, username, password, peerInfo, options,
                handshakeWindow, period);
    }
}
