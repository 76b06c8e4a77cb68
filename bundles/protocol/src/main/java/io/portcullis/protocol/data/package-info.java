/**
 * The data channel: AEAD packet sealing/opening (AES-GCM, ChaCha20-Poly1305) into
 * caller-supplied buffers, per-direction keys, and recognition of inner payloads (ping, OCC).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.data;
