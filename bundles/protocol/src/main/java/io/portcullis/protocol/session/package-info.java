/**
 * Per-connection OpenVPN session engines: {@link io.portcullis.protocol.session.ServerSession}
 * and a minimal {@link io.portcullis.protocol.session.ClientSession} (in-memory tests, load
 * generation). Each is a state machine driven by events (packets, ticks, decisions) that
 * returns {@link io.portcullis.protocol.session.SessionOutput}s; time and randomness are
 * injected, nothing here does I/O or starts threads.
 * <p>
 * Threading rules:
 * <ul>
 * <li>All methods of a session except {@code onDataReceived}/{@code onDataSent} are called
 *     serialized (one at a time, with happens-before between calls).</li>
 * <li>{@code onDataReceived}/{@code onDataSent} are volatile stores, callable from any thread.</li>
 * <li>{@code ServerSession.accept} is stateless and may run on any thread; the
 *     {@link io.portcullis.protocol.session.ServerSessionConfig} may be shared (its protection is
 *     a template that is copied per check and per session).</li>
 * <li>A {@link io.portcullis.protocol.data.DataChannelCipher} handed out in
 *     {@code InstallKeys} may be used by one sealing thread and one opening thread at once.</li>
 * </ul>
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.portcullis.protocol.session;
