/**
 * OpenVPN packet framing: opcodes, session ids, control/ACK/data packet headers, TCP
 * stream framing and the stateless first-packet check. Pure codecs, no state beyond a
 * {@link io.portcullis.protocol.packet.TcpFrameDecoder}'s buffer.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.packet;
