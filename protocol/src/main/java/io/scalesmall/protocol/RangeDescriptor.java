package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * A range as it travels between nodes and to clients: the keys of one stream whose hashes lie in
 * {@code [startHash, endHash)}, written since {@code sinceHlc} to a fixed, ordered list of
 * replicas. A range never changes; a placement change creates another one.
 *
 * <pre>
 * string stream
 * i32    rangeId       at least 0
 * u32    startHash
 * u32    lastHash      endHash - 1, at least startHash
 * i64    sinceHlc      creation time (hybrid logical clock)
 * u8     replicaCount  at least 1
 *   16 bytes replica   (replicaCount times), in placement order
 * </pre>
 *
 * @param stream the stream
 * @param rangeId the range id, unique within the stream
 * @param startHash first key hash, inclusive
 * @param endHash last key hash + 1, at most 2^32
 * @param sinceHlc creation time
 * @param replicas the nodes that take the range's writes, in placement order
 */
public record RangeDescriptor(
        String stream, int rangeId, long startHash, long endHash, long sinceHlc, List<NodeId> replicas) {
    public RangeDescriptor {
        replicas = List.copyOf(replicas);
        if (rangeId < 0
                || startHash < 0
                || endHash > (1L << 32)
                || startHash >= endHash
                || replicas.isEmpty()
                || replicas.size() > 255) {
            throw new IllegalArgumentException("invalid range " + stream + "/" + rangeId + " [" + startHash + ", "
                    + endHash + ") with " + replicas.size() + " replicas");
        }
    }

    /** True when the range holds key hash {@code hash}. */
    public boolean holds(long hash) {
        return hash >= startHash && hash < endHash;
    }

    public void write(ByteBuf out) {
        FieldCodec.writeString(out, stream);
        out.writeInt(rangeId);
        out.writeInt((int) startHash);
        out.writeInt((int) (endHash - 1));
        out.writeLong(sinceHlc);
        out.writeByte(replicas.size());
        for (NodeId r : replicas) {
            r.write(out);
        }
    }

    public static RangeDescriptor read(ByteBuf in) {
        String stream = FieldCodec.readString(in);
        FieldCodec.require(in, 4 + 4 + 4 + 8 + 1);
        int rangeId = in.readInt();
        long start = in.readUnsignedInt();
        long last = in.readUnsignedInt();
        long since = in.readLong();
        int count = in.readUnsignedByte();
        if (rangeId < 0 || last < start || count == 0) {
            throw new ProtocolException(
                    ErrorCode.MALFORMED_FRAME,
                    "invalid range descriptor " + stream + "/" + rangeId + " [" + start + ", " + last + "] with "
                            + count + " replicas");
        }
        FieldCodec.require(in, count * NodeId.BYTES);
        List<NodeId> replicas = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            replicas.add(NodeId.read(in));
        }
        return new RangeDescriptor(stream, rangeId, start, last + 1, since, replicas);
    }
}
