package io.portcullis.protocol.packet;

/**
 * Outcome of parsing or authenticating untrusted bytes: a value, or a typed reason to drop.
 * Parsers return this instead of throwing, so malformed input never escapes as an exception.
 */
public sealed interface ParseResult<T> permits ParseResult.Ok, ParseResult.Dropped {

    static <T> ParseResult<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> ParseResult<T> dropped(DropReason reason, String detail) {
        return new Dropped<>(reason, detail);
    }

    /** The value if parsing succeeded, else {@code null}. */
    default T valueOrNull() {
        return this instanceof Ok<T> ok ? ok.value() : null;
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** Re-types a drop so it can be passed up by a caller producing another type. */
    @SuppressWarnings("unchecked")
    default <U> ParseResult<U> castDrop() {
        if (this instanceof Dropped<T> d) {
            return (ParseResult<U>) d;
        }
        throw new IllegalStateException("not a drop");
    }

    record Ok<T>(T value) implements ParseResult<T> {
    }

    record Dropped<T>(DropReason reason, String detail) implements ParseResult<T> {
    }
}
