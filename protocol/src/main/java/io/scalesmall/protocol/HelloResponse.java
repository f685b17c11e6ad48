package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * HELLO_OK body: who answered and the limits the client must respect.
 *
 * <pre>
 * 16 bytes nodeId
 * i32      maxFrameBytes     largest frame the server accepts
 * i32      maxMessageBytes   largest message record the server accepts
 * u16      liveNodes         nodes the server knows alive, itself included
 * u8       maxCopies         most copies a durability policy may ask for here
 * </pre>
 *
 * @param nodeId the answering node
 * @param maxFrameBytes largest frame the server accepts
 * @param maxMessageBytes largest message the server accepts
 * @param liveNodes live nodes in the cluster
 * @param maxCopies most copies a policy may ask for
 */
public record HelloResponse(NodeId nodeId, int maxFrameBytes, int maxMessageBytes, int liveNodes, int maxCopies) {
    public void write(ByteBuf out) {
        nodeId.write(out);
        out.writeInt(maxFrameBytes);
        out.writeInt(maxMessageBytes);
        out.writeShort(liveNodes);
        out.writeByte(maxCopies);
    }

    public static HelloResponse read(ByteBuf in) {
        NodeId id = NodeId.read(in);
        FieldCodec.require(in, 11);
        return new HelloResponse(id, in.readInt(), in.readInt(), in.readUnsignedShort(), in.readUnsignedByte());
    }
}
