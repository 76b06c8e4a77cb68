package io.portcullis.protocol.tls;

import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.tls.TlsContext;

/** What {@link ControlChannelTls} needs from either BC peer implementation. */
interface TlsPeerState {

    boolean handshakeComplete();

    List<X509Certificate> peerChain();

    TlsContext tlsContext();

    /** Keying material exported at handshake completion, by label. */
    java.util.Map<String, byte[]> exported();

    /** Zeroes and drops {@link #exported()}. */
    void forgetExported();
}
