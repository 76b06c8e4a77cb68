/**
 * The control-channel reliability layer (OpenVPN's reliable.c): message packet-ids, ACKs,
 * send window, receive window and retransmission, driven by injected time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.reliable;
