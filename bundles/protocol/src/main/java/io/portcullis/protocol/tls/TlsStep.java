package io.portcullis.protocol.tls;

import java.util.List;

/**
 * What feeding TLS bytes produced: TLS bytes to send to the peer, decrypted application
 * data (in record order), and whether the handshake has completed; or a failure, after which
 * the engine is closed (any alert to send is in {@code output}).
 */
public sealed interface TlsStep permits TlsStep.Progress, TlsStep.Failed {

    byte[] output();

    record Progress(byte[] output, List<byte[]> applicationData, boolean handshakeComplete) implements TlsStep {
        public Progress {
            applicationData = List.copyOf(applicationData);
        }
    }

    record Failed(byte[] output, String reason) implements TlsStep {
    }
}
