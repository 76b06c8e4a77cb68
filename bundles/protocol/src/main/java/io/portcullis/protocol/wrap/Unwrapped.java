package io.portcullis.protocol.wrap;

import io.portcullis.protocol.packet.ControlPacket;

/**
 * An authenticated control packet and its replay id ({@code null} without protection).
 * The replay id has not been checked yet; that needs per-session state.
 */
public record Unwrapped(ControlPacket packet, ReplayId replayId) {
}
