package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * FETCH body (polling read) and SUBSCRIBE body (streaming read): where to start in one range and
 * how many bytes of batches one response may carry. A FETCH is answered by one FETCH_OK; a
 * SUBSCRIBE by SUBSCRIBE_DATA frames as batches arrive, until UNSUBSCRIBE or the connection ends.
 *
 * <pre>
 * string        stream
 * i32           rangeId
 * StartPosition start
 * i32           maxBytes      bytes of batches per response; at least one batch is sent
 * i32           maxWaitMs     FETCH only: how long to wait for data when none is there (0 = answer at once)
 * </pre>
 *
 * @param stream stream name
 * @param rangeId range to read
 * @param start where to start
 * @param maxBytes bytes of batches per response
 * @param maxWaitMs how long a FETCH waits for data
 */
public record FetchRequest(String stream, int rangeId, StartPosition start, int maxBytes, int maxWaitMs) {
    public void write(ByteBuf out) {
        FieldCodec.writeString(out, stream);
        out.writeInt(rangeId);
        start.write(out);
        out.writeInt(maxBytes);
        out.writeInt(maxWaitMs);
    }

    public static FetchRequest read(ByteBuf in) {
        String stream = FieldCodec.readString(in);
        FieldCodec.require(in, 4);
        int rangeId = in.readInt();
        StartPosition start = StartPosition.read(in);
        FieldCodec.require(in, 8);
        int maxBytes = in.readInt();
        int maxWaitMs = in.readInt();
        if (maxBytes <= 0 || maxWaitMs < 0) {
            throw new ProtocolException(
                    ErrorCode.INVALID_REQUEST, "maxBytes must be positive and maxWaitMs not negative");
        }
        return new FetchRequest(stream, rangeId, start, maxBytes, maxWaitMs);
    }
}
