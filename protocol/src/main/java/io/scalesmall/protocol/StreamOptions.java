package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A stream's options.
 *
 * <pre>
 * u8  replicationFactor   copies of every batch (capped by cluster size)
 * i64 retentionMs         delete segments older than this; -1 = no age limit
 * i64 retentionBytes      keep at most this many bytes per range; -1 = no size limit
 * </pre>
 *
 * @param replicationFactor copies of every batch
 * @param retentionMs age limit, -1 for none
 * @param retentionBytes size limit per range, -1 for none
 */
public record StreamOptions(int replicationFactor, long retentionMs, long retentionBytes) {
    /** Options of a stream created by its first publish. */
    public static final StreamOptions DEFAULT = new StreamOptions(3, -1, -1);

    public StreamOptions {
        if (replicationFactor < 1 || replicationFactor > DurabilityPolicy.MAX_COPIES) {
            throw new ProtocolException(
                    ErrorCode.INVALID_REQUEST,
                    "replication factor must be between 1 and " + DurabilityPolicy.MAX_COPIES);
        }
        if (retentionMs < -1 || retentionMs == 0 || retentionBytes < -1 || retentionBytes == 0) {
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "retention limits must be positive or -1 for none");
        }
    }

    public void write(ByteBuf out) {
        out.writeByte(replicationFactor);
        out.writeLong(retentionMs);
        out.writeLong(retentionBytes);
    }

    public static StreamOptions read(ByteBuf in) {
        FieldCodec.require(in, 17);
        return new StreamOptions(in.readUnsignedByte(), in.readLong(), in.readLong());
    }
}
