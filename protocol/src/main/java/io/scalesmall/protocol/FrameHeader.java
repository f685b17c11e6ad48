package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The header every frame starts with. All integers are big-endian.
 *
 * <pre>
 *  0      4       5      6        8            12
 *  +------+-------+------+--------+------------+----------------+
 *  |length|version| type | flags  | request id | body ...       |
 *  | i32  |  u8   |  u8  |  u16   |    i32     |                |
 *  +------+-------+------+--------+------------+----------------+
 * </pre>
 *
 * <ul>
 *   <li>length: bytes after the length field (header rest plus body), so a reader can frame the
 *       stream before looking inside; at least {@code 8}.
 *   <li>version: {@link Protocol#VERSION}; a peer answers an unknown version with
 *       UNSUPPORTED_VERSION and closes.
 *   <li>type: a {@link FrameType} code.
 *   <li>flags: reserved, zero in v1.
 *   <li>request id: chosen by the client, echoed by the response, so that many requests can be in
 *       flight on one connection; SUBSCRIBE_DATA frames carry the id of their SUBSCRIBE.
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
public final class FrameHeader {
    /** Size of the header including the length prefix. */
    public static final int BYTES = 12;

    /** Size of the length prefix. */
    public static final int LENGTH_FIELD_BYTES = 4;

    public static final int VERSION_OFFSET = 4;
    public static final int TYPE_OFFSET = 5;
    public static final int FLAGS_OFFSET = 6;
    public static final int REQUEST_ID_OFFSET = 8;

    private FrameHeader() {}

    /**
     * Writes a header with a zero length placeholder; call {@link #finish} once the body is written.
     *
     * @return the writer index of the frame start, to pass to {@link #finish}
     */
    public static int begin(ByteBuf out, FrameType type, int requestId) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeByte(Protocol.VERSION);
        out.writeByte(type.code());
        out.writeShort(0);
        out.writeInt(requestId);
        return start;
    }

    /** Back-fills the length prefix of the frame that starts at {@code start}. */
    public static void finish(ByteBuf out, int start) {
        out.setInt(start, out.writerIndex() - start - LENGTH_FIELD_BYTES);
    }

    /** The version byte of the frame starting at the buffer's reader index. */
    public static int version(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + VERSION_OFFSET);
    }

    /** The type code of the frame starting at the buffer's reader index. */
    public static int typeCode(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + TYPE_OFFSET);
    }

    /** The request id of the frame starting at the buffer's reader index. */
    public static int requestId(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + REQUEST_ID_OFFSET);
    }

    /** Moves the reader index past the header to the body. */
    public static void skip(ByteBuf frame) {
        frame.skipBytes(BYTES);
    }
}
