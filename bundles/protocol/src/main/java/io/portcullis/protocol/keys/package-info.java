/**
 * Data-channel key material: key-method 2 key sources, the OpenVPN PRF, the TLS exporter
 * label, the 256-byte key2 block and per-direction data-channel keys.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.keys;
