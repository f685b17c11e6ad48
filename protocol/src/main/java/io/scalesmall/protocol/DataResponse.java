package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * FETCH_OK and SUBSCRIBE_DATA body: stored batches of one range, exactly as the log holds them.
 *
 * <pre>
 * i32         rangeId
 * u8          flags            bit 0: the requested start was deleted by retention; reading
 *                              resumed at the oldest batch still stored
 *                              bit 1: the range is sealed and settled, and this response
 *                              reaches its end: no message will follow (a subscription ends)
 * RangeCursor position         the position just before the first batch of this response
 *                              (its skip tells how many messages of the first batch to skip)
 * i32         batchesLength
 * bytes       batches          whole batches in {@link BatchFormat}, back to back
 * </pre>
 *
 * <p>The batches follow the fixed part so that the server can send them straight from the file
 * or from memory without copying.
 *
 * @param rangeId the range
 * @param truncated whether the start had been deleted by retention
 * @param position position before the first batch
 * @param batchesLength bytes of batches that follow
 * @param ended whether the range is sealed and this response reaches its end
 */
public record DataResponse(int rangeId, boolean truncated, RangeCursor position, int batchesLength, boolean ended) {
    /** A response that does not end its range. */
    public DataResponse(int rangeId, boolean truncated, RangeCursor position, int batchesLength) {
        this(rangeId, truncated, position, batchesLength, false);
    }

    /** Writes the fixed part; the caller sends {@code batchesLength} bytes of batches after it. */
    public void writePrefix(ByteBuf out) {
        out.writeInt(rangeId);
        out.writeByte((truncated ? 1 : 0) | (ended ? 2 : 0));
        position.write(out);
        out.writeInt(batchesLength);
    }

    /** Reads the fixed part; the reader index is left at the first batch. */
    public static DataResponse readPrefix(ByteBuf in) {
        FieldCodec.require(in, 5);
        int rangeId = in.readInt();
        int flags = in.readUnsignedByte();
        boolean truncated = (flags & 1) != 0;
        boolean ended = (flags & 2) != 0;
        RangeCursor position = RangeCursor.read(in);
        FieldCodec.require(in, 4);
        int length = in.readInt();
        if (length < 0 || length != in.readableBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "batches length does not match the frame");
        }
        return new DataResponse(rangeId, truncated, position, length, ended);
    }
}
