package io.scalesmall.client;

import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.StartPosition;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a subscription or a fetch starts in a stream.
 *
 * <p>Immutable; thread-safe.
 */
public final class From {
    private final StartPosition.Kind kind;
    private final long timestampMs;
    private final Cursor cursor;

    private From(StartPosition.Kind kind, long timestampMs, Cursor cursor) {
        this.kind = kind;
        this.timestampMs = timestampMs;
        this.cursor = cursor;
    }

    /**
     * The oldest message still stored.
     *
     * @return the start
     */
    public static From beginning() {
        return new From(StartPosition.Kind.BEGINNING, 0, null);
    }

    /**
     * After the newest message stored when the read starts: only messages published later.
     *
     * @return the start
     */
    public static From end() {
        return new From(StartPosition.Kind.END, 0, null);
    }

    /**
     * The first batch the server stamped at or after {@code timestampMs}.
     *
     * @param timestampMs milliseconds since the epoch
     * @return the start
     */
    public static From timestamp(long timestampMs) {
        return new From(StartPosition.Kind.TIMESTAMP, timestampMs, null);
    }

    /**
     * The first batch the server stamped at or after {@code instant}.
     *
     * @param instant the time
     * @return the start
     */
    public static From timestamp(Instant instant) {
        return timestamp(instant.toEpochMilli());
    }

    /**
     * Just after the position a cursor token names (from {@link Subscription#cursor()}, {@link
     * FetchResult#nextCursor()} or {@link Message#cursorAfter()}). Ranges the cursor does not
     * name are read from their beginning.
     *
     * @param token the cursor token
     * @return the start
     * @throws ScaleSmallException with {@code INVALID_CURSOR} when the token is not a cursor
     */
    public static From cursor(String token) {
        try {
            return cursor(Cursor.fromToken(token));
        } catch (ProtocolException e) {
            throw ScaleSmallException.of(e);
        }
    }

    /**
     * Just after the position {@code cursor} names.
     *
     * @param cursor the cursor
     * @return the start
     */
    public static From cursor(Cursor cursor) {
        return new From(StartPosition.Kind.CURSOR, 0, Objects.requireNonNull(cursor, "cursor"));
    }

    /**
     * The kind of start.
     *
     * @return the kind
     */
    public StartPosition.Kind kind() {
        return kind;
    }

    /**
     * The cursor of a {@link StartPosition.Kind#CURSOR} start, else null.
     *
     * @return the cursor or null
     */
    public Cursor cursor() {
        return cursor;
    }

    /** The time of a {@link StartPosition.Kind#TIMESTAMP} start. */
    long timestampMs() {
        return timestampMs;
    }

    /** The wire start position in one range. */
    StartPosition startIn(int rangeId) {
        return switch (kind) {
            case BEGINNING -> StartPosition.beginning();
            case END -> StartPosition.end();
            case TIMESTAMP -> StartPosition.timestamp(timestampMs);
            case CURSOR -> StartPosition.cursor(cursor.range(rangeId));
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case BEGINNING -> "beginning";
            case END -> "end";
            case TIMESTAMP -> "timestamp " + timestampMs;
            case CURSOR -> "cursor " + cursor.toToken();
        };
    }
}
