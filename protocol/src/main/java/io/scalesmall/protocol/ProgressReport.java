package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * PROGRESS body: what one replica of a range holds, sent to the range's other replicas after it
 * appends or fsyncs and now and then while idle. For every coordinator of the range: the highest
 * sequence it holds with every earlier one, in memory, and the highest fsynced. These reports
 * are the replication acks (a coordinator counts the replicas whose progress covers a batch) and
 * what repair compares.
 *
 * <pre>
 * string stream
 * i32    rangeId
 * 16 bytes from           the reporting replica
 * u8     sealed           1 when the reporting replica has sealed the range
 * u16    count
 *   16 bytes coordinator, i64 memorySeq, i64 diskSeq   (count times)
 * [u16   count again
 *   i64  firstSeq                                      (count times, same order)]
 * </pre>
 *
 * <p>The trailer with each coordinator's oldest sequence still held (above 1 once retention
 * deleted older ones) is optional: a report without it means 1 for every coordinator, and a
 * reader that does not know it ignores it.
 *
 * @param stream the stream
 * @param rangeId the range
 * @param from the reporting replica
 * @param sealed whether it sealed the range
 * @param entries its progress per coordinator
 */
public record ProgressReport(String stream, int rangeId, NodeId from, boolean sealed, List<Entry> entries) {
    /**
     * One coordinator's batches held by the reporting replica.
     *
     * @param coordinator the node that stamped them
     * @param memorySeq every batch up to this sequence is held
     * @param diskSeq every batch up to this sequence is fsynced
     * @param firstSeq the oldest sequence still held (retention deleted the ones before)
     */
    public record Entry(NodeId coordinator, long memorySeq, long diskSeq, long firstSeq) {
        /** An entry of a replica that holds the coordinator's batches from the first. */
        public Entry(NodeId coordinator, long memorySeq, long diskSeq) {
            this(coordinator, memorySeq, diskSeq, 1);
        }
    }

    public ProgressReport {
        entries = List.copyOf(entries);
    }

    public void write(ByteBuf out) {
        FieldCodec.writeString(out, stream);
        out.writeInt(rangeId);
        from.write(out);
        out.writeByte(sealed ? 1 : 0);
        out.writeShort(entries.size());
        for (Entry e : entries) {
            e.coordinator.write(out);
            out.writeLong(e.memorySeq);
            out.writeLong(e.diskSeq);
        }
        out.writeShort(entries.size());
        for (Entry e : entries) {
            out.writeLong(e.firstSeq);
        }
    }

    public static ProgressReport read(ByteBuf in) {
        String stream = FieldCodec.readString(in);
        FieldCodec.require(in, 4 + NodeId.BYTES + 1 + 2);
        int rangeId = in.readInt();
        NodeId from = NodeId.read(in);
        int sealed = in.readUnsignedByte();
        int count = in.readUnsignedShort();
        if (sealed > 1) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "sealed flag must be 0 or 1");
        }
        FieldCodec.require(in, count * (NodeId.BYTES + 16));
        NodeId[] coordinators = new NodeId[count];
        long[] memory = new long[count];
        long[] disk = new long[count];
        for (int i = 0; i < count; i++) {
            coordinators[i] = NodeId.read(in);
            memory[i] = in.readLong();
            disk[i] = in.readLong();
        }
        long[] first = new long[count];
        java.util.Arrays.fill(first, 1);
        if (in.isReadable()) {
            FieldCodec.require(in, 2);
            if (in.readUnsignedShort() != count) {
                throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "first sequences do not match the entries");
            }
            FieldCodec.require(in, count * 8);
            for (int i = 0; i < count; i++) {
                first[i] = in.readLong();
            }
        }
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(new Entry(coordinators[i], memory[i], disk[i], first[i]));
        }
        return new ProgressReport(stream, rangeId, from, sealed == 1, entries);
    }
}
