package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A reader's saved position in a whole stream: one {@link RangeCursor} per range. Users see it
 * as an opaque token, {@code c1} followed by the base64url encoding (no padding) of:
 *
 * <pre>
 * u8  format (1)
 * u16 rangeCount
 *   RangeCursor            (rangeCount times)
 * </pre>
 *
 * <p>Immutable.
 *
 * @param ranges the position in each range; ranges not listed are read from the beginning
 */
public record Cursor(List<RangeCursor> ranges) {
    private static final String PREFIX = "c1";

    public Cursor {
        ranges = List.copyOf(ranges);
    }

    /** The position in {@code rangeId}, or the beginning of that range. */
    public RangeCursor range(int rangeId) {
        for (RangeCursor r : ranges) {
            if (r.rangeId() == rangeId) {
                return r;
            }
        }
        return RangeCursor.beginning(rangeId);
    }

    /** A copy with the position of one range replaced. */
    public Cursor with(RangeCursor range) {
        List<RangeCursor> copy = new ArrayList<>(ranges.size() + 1);
        for (RangeCursor r : ranges) {
            if (r.rangeId() != range.rangeId()) {
                copy.add(r);
            }
        }
        copy.add(range);
        return new Cursor(copy);
    }

    /** The opaque text form. */
    public String toToken() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(1);
        buf.writeShort(ranges.size());
        for (RangeCursor r : ranges) {
            r.write(buf);
        }
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Parses a token made by {@link #toToken}.
     *
     * @throws ProtocolException with INVALID_CURSOR when the text is not a cursor
     */
    public static Cursor fromToken(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            throw new ProtocolException(ErrorCode.INVALID_CURSOR, "not a cursor token: " + token);
        }
        try {
            ByteBuf buf = Unpooled.wrappedBuffer(Base64.getUrlDecoder().decode(token.substring(PREFIX.length())));
            FieldCodec.require(buf, 3);
            if (buf.readUnsignedByte() != 1) {
                throw new ProtocolException(ErrorCode.INVALID_CURSOR, "unknown cursor format");
            }
            int n = buf.readUnsignedShort();
            List<RangeCursor> ranges = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ranges.add(RangeCursor.read(buf));
            }
            if (buf.isReadable()) {
                throw new ProtocolException(ErrorCode.INVALID_CURSOR, "trailing bytes in cursor");
            }
            return new Cursor(ranges);
        } catch (IllegalArgumentException | ProtocolException e) {
            throw new ProtocolException(ErrorCode.INVALID_CURSOR, "not a cursor token: " + token);
        }
    }

    @Override
    public String toString() {
        return toToken();
    }
}
