/**
 * Control-channel protection: none, tls-auth (HMAC) and tls-crypt (v1), the OpenVPN static
 * key file, and a per-session codec adding replay ids and replay checks.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.wrap;
