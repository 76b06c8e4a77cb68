package io.portcullis.protocol.session;

import io.portcullis.protocol.data.AeadAlgorithm;
import io.portcullis.protocol.data.DataChannelCipher;
import io.portcullis.protocol.keymethod.PeerInfo;
import io.portcullis.protocol.keymethod.SecretBytes;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * What a session engine asks its endpoint to do, in list order. Within one event's list the
 * {@link Send}s come after {@link InstallKeys}/{@link RetireKeys} (keys are ready before the
 * packets that announce them) and before {@link Authenticate}, {@link Established} and
 * {@link Closed}, so an endpoint may react to those synchronously.
 */
public sealed interface SessionOutput {

    /** Wire bytes for this peer, already wrapped (one datagram, or one TCP frame without length). */
    record Send(byte[] packet) implements SessionOutput {
        @Override
        public String toString() {
            return "Send[" + packet.length + "B]";
        }
    }

    /**
     * Once per connection, after the client's key-method 2 message: decide and answer with
     * {@link ServerSession#onAuthenticationResult}. The password belongs to the receiver (wipe it).
     */
    record Authenticate(List<X509Certificate> clientChain, Optional<String> username, Optional<SecretBytes> password,
            PeerInfo peerInfo) implements SessionOutput {
        public Authenticate {
            clientChain = List.copyOf(clientChain);
        }

        @Override
        public String toString() {
            return "Authenticate[clientChain=" + clientChain.stream().map(c -> c.getSubjectX500Principal().getName())
                    .toList() + ", username=" + username + ", password=" + password.map(p -> "***") + ", peerInfo="
                    + peerInfo.entries() + "]";
        }
    }

    /**
     * A data key became usable for both directions; seal outgoing data with the newest
     * installed key. The previous key keeps opening packets (lame duck) until {@link RetireKeys}.
     * The cipher is safe for one sealing thread plus one opening thread.
     */
    record InstallKeys(int keyId, DataChannelCipher cipher) implements SessionOutput {
    }

    /** The lame-duck key of this id expired: forget it. */
    record RetireKeys(int keyId) implements SessionOutput {
    }

    /** The first PUSH_REPLY was sent: the tunnel is up. */
    record Established(AeadAlgorithm cipher, boolean keyExport) implements SessionOutput {
    }

    /** A keepalive is due: seal {@code InnerPayload.ping()} with the current key and send it. */
    record SendPing() implements SessionOutput {
    }

    /** The session is over; no further outputs follow. */
    record Closed(String reason, boolean byClient) implements SessionOutput {
    }
}
