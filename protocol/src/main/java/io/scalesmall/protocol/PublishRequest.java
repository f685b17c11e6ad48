package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * PUBLISH body: one batch of messages for one range of one stream.
 *
 * <pre>
 * string stream
 * i32    rangeId          the range the client hashed the keys to
 * u8     memoryCopies     per-batch policy override; 0 and 0 = use the session's policy
 * u8     diskCopies
 * batch                   {@link BatchFormat}, unstamped, records uncompressed
 * </pre>
 *
 * <p>The batch is last so that the client can build the whole frame in one buffer while it
 * appends messages, and the server can validate the records where they lie.
 *
 * @param stream stream name
 * @param rangeId target range
 * @param policyOverride the batch's own policy, or null for the session's
 * @param batchOffset index in the frame buffer where the batch starts
 */
public record PublishRequest(String stream, int rangeId, DurabilityPolicy policyOverride, int batchOffset) {
    /** Writes the fields before the batch. */
    public static void writePrefix(ByteBuf out, String stream, int rangeId, DurabilityPolicy policyOverride) {
        FieldCodec.writeString(out, stream);
        out.writeInt(rangeId);
        out.writeByte(policyOverride == null ? 0 : policyOverride.memoryCopies());
        out.writeByte(policyOverride == null ? 0 : policyOverride.diskCopies());
    }

    /** Reads the fields before the batch; the buffer's reader index is left at the batch. */
    public static PublishRequest read(ByteBuf in) {
        String stream = FieldCodec.readString(in);
        FieldCodec.require(in, 6);
        int rangeId = in.readInt();
        int memory = in.readUnsignedByte();
        int disk = in.readUnsignedByte();
        DurabilityPolicy override = memory == 0 && disk == 0 ? null : new DurabilityPolicy(memory, disk);
        return new PublishRequest(stream, rangeId, override, in.readerIndex());
    }
}
