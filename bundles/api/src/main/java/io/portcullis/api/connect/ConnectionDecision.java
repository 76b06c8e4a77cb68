package io.portcullis.api.connect;

import java.util.List;
import java.util.Objects;

/**
 * A {@link ConnectionHandler}'s answer.
 *
 * @param allowed          whether the connection may go on
 * @param message          shown to the user on denial and logged (up to {@link #MAX_MESSAGE} characters)
 * @param postureStatuses  up to {@link #MAX_POSTURE_STATUSES} short statuses for the connection log's
 *                         posture-compliance-statuses
 */
public record ConnectionDecision(boolean allowed, String message, List<String> postureStatuses) {

    public static final int MAX_MESSAGE = 255;
    public static final int MAX_POSTURE_STATUSES = 10;

    public ConnectionDecision {
        Objects.requireNonNull(message, "message");
        postureStatuses = List.copyOf(postureStatuses);
        if (message.length() > MAX_MESSAGE) {
            throw new IllegalArgumentException("message has " + message.length() + " characters; at most " + MAX_MESSAGE);
        }
        if (postureStatuses.size() > MAX_POSTURE_STATUSES) {
            throw new IllegalArgumentException(postureStatuses.size() + " posture statuses; at most " + MAX_POSTURE_STATUSES);
        }
    }

    public static ConnectionDecision allow(List<String> postureStatuses) {
        return new ConnectionDecision(true, "", postureStatuses);
    }

    public static ConnectionDecision deny(String message, List<String> postureStatuses) {
        return new ConnectionDecision(false, message, postureStatuses);
    }
}
