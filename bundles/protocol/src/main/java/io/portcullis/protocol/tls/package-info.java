/**
 * TLS over the control channel: a non-blocking Bouncy Castle TLS engine (server, and a
 * client for tests and peers) fed with and producing raw TLS bytes.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.tls;
