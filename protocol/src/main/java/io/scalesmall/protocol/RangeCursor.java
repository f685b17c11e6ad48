package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * A reader's position in one range: a version vector with one entry per coordinator that wrote to
 * the range. An entry (coordinator, batchSeq, skip) means every batch that coordinator stamped up
 * to and including {@code batchSeq} has been read, plus the first {@code skip} messages of batch
 * {@code batchSeq + 1}. Because coordinators number their batches densely per range, the vector
 * names the same set of messages on every replica, so a reader can move between replicas without
 * loss or repeats. An empty vector is the beginning of the range.
 *
 * <pre>
 * i32 rangeId
 * u16 entryCount
 *   16 bytes coordinator, i64 batchSeq, i32 skip     (entryCount times)
 * </pre>
 *
 * <p>Immutable.
 *
 * @param rangeId the range
 * @param entries one entry per coordinator
 */
public record RangeCursor(int rangeId, List<Entry> entries) {
    /**
     * One coordinator's progress.
     *
     * @param coordinator the node that stamped the batches
     * @param batchSeq last batch read completely, 0 when none
     * @param skip messages already read from batch {@code batchSeq + 1}
     */
    public record Entry(NodeId coordinator, long batchSeq, int skip) {}

    public RangeCursor {
        entries = List.copyOf(entries);
    }

    /** The beginning of a range. */
    public static RangeCursor beginning(int rangeId) {
        return new RangeCursor(rangeId, List.of());
    }

    /** The entry of {@code coordinator}, or null. */
    public Entry entry(NodeId coordinator) {
        for (Entry e : entries) {
            if (e.coordinator.equals(coordinator)) {
                return e;
            }
        }
        return null;
    }

    /** A copy with {@code coordinator}'s entry replaced. */
    public RangeCursor with(NodeId coordinator, long batchSeq, int skip) {
        List<Entry> copy = new ArrayList<>(entries.size() + 1);
        for (Entry e : entries) {
            if (!e.coordinator.equals(coordinator)) {
                copy.add(e);
            }
        }
        copy.add(new Entry(coordinator, batchSeq, skip));
        return new RangeCursor(rangeId, copy);
    }

    public void write(ByteBuf out) {
        out.writeInt(rangeId);
        out.writeShort(entries.size());
        for (Entry e : entries) {
            e.coordinator.write(out);
            out.writeLong(e.batchSeq);
            out.writeInt(e.skip);
        }
    }

    public static RangeCursor read(ByteBuf in) {
        FieldCodec.require(in, 6);
        int rangeId = in.readInt();
        int n = in.readUnsignedShort();
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            NodeId coordinator = NodeId.read(in);
            FieldCodec.require(in, 12);
            long seq = in.readLong();
            int skip = in.readInt();
            if (seq < 0 || skip < 0) {
                throw new ProtocolException(ErrorCode.INVALID_CURSOR, "cursor has a negative position");
            }
            entries.add(new Entry(coordinator, seq, skip));
        }
        return new RangeCursor(rangeId, entries);
    }
}
