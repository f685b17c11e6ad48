package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Where a fetch or subscription starts in a range.
 *
 * <pre>
 * u8 kind   0 beginning, 1 end, 2 timestamp, 3 cursor
 * kind 2:   i64 timestamp (ms since the epoch; first batch stamped at or after it)
 * kind 3:   RangeCursor
 * </pre>
 *
 * <p>Immutable.
 *
 * @param kind which start
 * @param timestampMs for {@link Kind#TIMESTAMP}
 * @param cursor for {@link Kind#CURSOR}
 */
public record StartPosition(Kind kind, long timestampMs, RangeCursor cursor) {
    /** The kinds of start. */
    public enum Kind {
        BEGINNING,
        END,
        TIMESTAMP,
        CURSOR
    }

    public static StartPosition beginning() {
        return new StartPosition(Kind.BEGINNING, 0, null);
    }

    public static StartPosition end() {
        return new StartPosition(Kind.END, 0, null);
    }

    public static StartPosition timestamp(long timestampMs) {
        return new StartPosition(Kind.TIMESTAMP, timestampMs, null);
    }

    public static StartPosition cursor(RangeCursor cursor) {
        return new StartPosition(Kind.CURSOR, 0, cursor);
    }

    public void write(ByteBuf out) {
        out.writeByte(kind.ordinal());
        switch (kind) {
            case TIMESTAMP -> out.writeLong(timestampMs);
            case CURSOR -> cursor.write(out);
            default -> {}
        }
    }

    public static StartPosition read(ByteBuf in) {
        FieldCodec.require(in, 1);
        int k = in.readUnsignedByte();
        return switch (k) {
            case 0 -> beginning();
            case 1 -> end();
            case 2 -> {
                FieldCodec.require(in, 8);
                yield timestamp(in.readLong());
            }
            case 3 -> cursor(RangeCursor.read(in));
            default -> throw new ProtocolException(ErrorCode.INVALID_REQUEST, "unknown start position kind " + k);
        };
    }
}
