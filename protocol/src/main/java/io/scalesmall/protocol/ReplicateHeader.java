package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The start of a REPLICATE body: stored batches of one range that one node sends another (a
 * coordinator forwarding what it stamped, or any replica answering a PULL). The batches follow
 * this header to the end of the frame, exactly as they are stored ({@link BatchFormat}: stamped,
 * compressed, with their CRC); the receiver checks each CRC before it appends.
 *
 * <pre>
 * RangeDescriptor range   so that a replica that has not yet heard of the range can take it
 * 16 bytes from           the sending node
 * batch...                to the end of the frame
 * </pre>
 *
 * @param range the range the batches belong to
 * @param from the sending node
 */
public record ReplicateHeader(RangeDescriptor range, NodeId from) {
    public void write(ByteBuf out) {
        range.write(out);
        from.write(out);
    }

    public static ReplicateHeader read(ByteBuf in) {
        RangeDescriptor range = RangeDescriptor.read(in);
        NodeId from = NodeId.read(in);
        return new ReplicateHeader(range, from);
    }
}
