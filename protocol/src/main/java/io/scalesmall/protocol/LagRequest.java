package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * LAG body: how much of one range lies after a start position, counted by the node from its
 * batch headers without sending any message. Answered by one LAG_OK ({@link LagResponse}).
 *
 * <pre>
 * string        stream
 * i32           rangeId
 * StartPosition start     usually a cursor's entry for the range
 * </pre>
 *
 * @param stream stream name
 * @param rangeId range to count
 * @param start where a reader of the range is
 */
public record LagRequest(String stream, int rangeId, StartPosition start) {
    public void write(ByteBuf out) {
        FieldCodec.writeString(out, stream);
        out.writeInt(rangeId);
        start.write(out);
    }

    public static LagRequest read(ByteBuf in) {
        String stream = FieldCodec.readString(in);
        FieldCodec.require(in, 4);
        int rangeId = in.readInt();
        StartPosition start = StartPosition.read(in);
        return new LagRequest(stream, rangeId, start);
    }
}
