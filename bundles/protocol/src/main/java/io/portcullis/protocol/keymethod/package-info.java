/**
 * Key-method 2 messages, the first application data on each key id: the client's message
 * (standard and AWS VPN Client formats), peer info, and the server's reply.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.keymethod;
