package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * PUBLISH_OK body, sent once the batch's durability policy holds. Message {@code i} of the batch
 * sits at (rangeId, coordinator, batchSeq, i).
 *
 * <pre>
 * i32      rangeId
 * 16 bytes coordinator    node that stamped the batch
 * i64      batchSeq       the batch's sequence from that coordinator in the range
 * i64      hlcTime        the stamp's hybrid logical clock time
 * u8       flags          bit 0: duplicate (a retry of a batch already stored)
 * u8       memoryAcks     in-memory copies reached when answering
 * u8       diskAcks       fsynced copies reached when answering
 * </pre>
 *
 * @param rangeId range of the batch
 * @param coordinator node that stamped the batch
 * @param batchSeq the batch's sequence; 0 for a duplicate too old to locate
 * @param hlcTime stamp time
 * @param duplicate whether this acknowledges a retry of an already stored batch
 * @param memoryAcks in-memory copies reached
 * @param diskAcks fsynced copies reached
 */
public record PublishResponse(
        int rangeId, NodeId coordinator, long batchSeq, long hlcTime, boolean duplicate, int memoryAcks, int diskAcks) {
    public void write(ByteBuf out) {
        out.writeInt(rangeId);
        coordinator.write(out);
        out.writeLong(batchSeq);
        out.writeLong(hlcTime);
        out.writeByte(duplicate ? 1 : 0);
        out.writeByte(memoryAcks);
        out.writeByte(diskAcks);
    }

    public static PublishResponse read(ByteBuf in) {
        FieldCodec.require(in, 4);
        int rangeId = in.readInt();
        NodeId coordinator = NodeId.read(in);
        FieldCodec.require(in, 19);
        return new PublishResponse(
                rangeId,
                coordinator,
                in.readLong(),
                in.readLong(),
                (in.readUnsignedByte() & 1) != 0,
                in.readUnsignedByte(),
                in.readUnsignedByte());
    }
}
