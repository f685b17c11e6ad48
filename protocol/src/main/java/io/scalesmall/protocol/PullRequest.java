package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * PULL body: a replica asks another for one coordinator's batches of a range it lacks, from a
 * sequence on, at most about {@code maxBytes} of them (at least one batch). The answer comes as
 * REPLICATE frames on the asked node's own connection to the asking one.
 *
 * <pre>
 * string stream
 * i32    rangeId
 * 16 bytes from          the asking replica
 * 16 bytes coordinator
 * i64    fromSeq         at least 1
 * i32    maxBytes        at least 1
 * </pre>
 *
 * @param stream the stream
 * @param rangeId the range
 * @param from the asking replica
 * @param coordinator whose batches
 * @param fromSeq the first sequence wanted
 * @param maxBytes how much to send at most (at least one batch)
 */
public record PullRequest(String stream, int rangeId, NodeId from, NodeId coordinator, long fromSeq, int maxBytes) {
    public void write(ByteBuf out) {
        FieldCodec.writeString(out, stream);
        out.writeInt(rangeId);
        from.write(out);
        coordinator.write(out);
        out.writeLong(fromSeq);
        out.writeInt(maxBytes);
    }

    public static PullRequest read(ByteBuf in) {
        String stream = FieldCodec.readString(in);
        FieldCodec.require(in, 4 + 2 * NodeId.BYTES + 8 + 4);
        int rangeId = in.readInt();
        NodeId from = NodeId.read(in);
        NodeId coordinator = NodeId.read(in);
        long fromSeq = in.readLong();
        int maxBytes = in.readInt();
        if (fromSeq < 1 || maxBytes < 1) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "pull needs fromSeq >= 1 and maxBytes >= 1");
        }
        return new PullRequest(stream, rangeId, from, coordinator, fromSeq, maxBytes);
    }
}
