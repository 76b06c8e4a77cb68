/**
 * Replay protection for packet ids: the sliding window shared by the data channel and by
 * tls-auth/tls-crypt (long form, with a time epoch).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.replay;
