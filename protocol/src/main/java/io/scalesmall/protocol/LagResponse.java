package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * LAG_OK body: what the answering replica holds of a range after the asked start position.
 *
 * <pre>
 * i32   rangeId
 * i64   messages         messages after the position (>= 0)
 * i64   batches          batches holding them (>= 0)
 * i64   firstUnreadHlc   HLC time of the oldest batch after the position, 0 when none
 * i64   lastHlc          HLC time of the range's newest batch here, 0 when it holds none
 * u8    flags            bit 0: the range is sealed (takes no new writes); others 0
 * </pre>
 *
 * @param rangeId the range
 * @param messages messages after the position
 * @param batches batches holding them
 * @param firstUnreadHlc HLC time of the oldest of them, 0 when none
 * @param lastHlc HLC time of the range's newest batch, 0 when it is empty here
 * @param sealed whether the range takes no new writes
 */
public record LagResponse(int rangeId, long messages, long batches, long firstUnreadHlc, long lastHlc, boolean sealed) {
    public LagResponse {
        if (messages < 0 || batches < 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "negative lag");
        }
    }

    public void write(ByteBuf out) {
        out.writeInt(rangeId);
        out.writeLong(messages);
        out.writeLong(batches);
        out.writeLong(firstUnreadHlc);
        out.writeLong(lastHlc);
        out.writeByte(sealed ? 1 : 0);
    }

    public static LagResponse read(ByteBuf in) {
        FieldCodec.require(in, 4 + 8 + 8 + 8 + 8 + 1);
        int rangeId = in.readInt();
        long messages = in.readLong();
        long batches = in.readLong();
        long firstUnreadHlc = in.readLong();
        long lastHlc = in.readLong();
        int flags = in.readUnsignedByte();
        if ((flags & ~1) != 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "unknown LAG_OK flags " + flags);
        }
        return new LagResponse(rangeId, messages, batches, firstUnreadHlc, lastHlc, (flags & 1) != 0);
    }
}
