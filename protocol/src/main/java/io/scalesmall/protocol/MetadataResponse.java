package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * METADATA_OK body: the nodes, and for each stream its ranges and where they live.
 *
 * <pre>
 * 16 bytes responder
 * u16 nodeCount
 *   16 bytes nodeId, string host, u16 port                          (nodeCount times)
 * u16 streamCount
 *   string name, StreamOptions options, u16 rangeCount
 *     i32 rangeId, u32 firstHash, u32 lastHash, u16 replicaCount,
 *       u16 nodeIndex (replicaCount times), i64 sizeBytes, i64 batches, i64 messages,
 *       i64 sinceHlc, u8 flags (bit 0: current)                     (rangeCount times)
 * </pre>
 *
 * <p>A range holds the keys whose hash lies in [firstHash, lastHash]; node indexes refer to the
 * node list. A stream lists every range it has: the <i>current</i> ones take new writes (one per
 * key slice, their replicas in placement order, the first preferred); the others were replaced by
 * placement changes, are sealed, and are listed with the nodes that hold their data, for readers.
 * Readers read a key slice's ranges in {@code sinceHlc} order.
 *
 * @param responder the node that answered
 * @param nodes cluster nodes
 * @param streams streams described
 */
public record MetadataResponse(NodeId responder, List<Node> nodes, List<Stream> streams) {
    /**
     * A node and its client address.
     *
     * @param id node id
     * @param host address clients connect to
     * @param port client port
     */
    public record Node(NodeId id, String host, int port) {}

    /**
     * A stream.
     *
     * @param name stream name
     * @param options its options
     * @param ranges its ranges
     */
    public record Stream(String name, StreamOptions options, List<Range> ranges) {}

    /**
     * A range of a stream.
     *
     * @param rangeId range id
     * @param firstHash first key hash (unsigned)
     * @param lastHash last key hash (unsigned, inclusive)
     * @param replicas indexes into the node list
     * @param sizeBytes bytes stored on the responder
     * @param batches batches stored on the responder
     * @param messages messages stored on the responder, -1 when not counted
     * @param sinceHlc when the range was created (hybrid logical clock)
     * @param current whether the range takes new writes
     */
    public record Range(
            int rangeId,
            long firstHash,
            long lastHash,
            List<Integer> replicas,
            long sizeBytes,
            long batches,
            long messages,
            long sinceHlc,
            boolean current) {
        public Range {
            replicas = List.copyOf(replicas);
        }

        /** A current range created at time 0. */
        public Range(
                int rangeId,
                long firstHash,
                long lastHash,
                List<Integer> replicas,
                long sizeBytes,
                long batches,
                long messages) {
            this(rangeId, firstHash, lastHash, replicas, sizeBytes, batches, messages, 0, true);
        }
    }

    public void write(ByteBuf out) {
        responder.write(out);
        out.writeShort(nodes.size());
        for (Node n : nodes) {
            n.id.write(out);
            FieldCodec.writeString(out, n.host);
            out.writeShort(n.port);
        }
        out.writeShort(streams.size());
        for (Stream s : streams) {
            FieldCodec.writeString(out, s.name);
            s.options.write(out);
            out.writeShort(s.ranges.size());
            for (Range r : s.ranges) {
                out.writeInt(r.rangeId);
                out.writeInt((int) r.firstHash);
                out.writeInt((int) r.lastHash);
                out.writeShort(r.replicas.size());
                for (int idx : r.replicas) {
                    out.writeShort(idx);
                }
                out.writeLong(r.sizeBytes);
                out.writeLong(r.batches);
                out.writeLong(r.messages);
                out.writeLong(r.sinceHlc);
                out.writeByte(r.current ? 1 : 0);
            }
        }
    }

    public static MetadataResponse read(ByteBuf in) {
        NodeId responder = NodeId.read(in);
        FieldCodec.require(in, 2);
        int nodeCount = in.readUnsignedShort();
        List<Node> nodes = new ArrayList<>(nodeCount);
        for (int i = 0; i < nodeCount; i++) {
            NodeId id = NodeId.read(in);
            String host = FieldCodec.readString(in);
            FieldCodec.require(in, 2);
            nodes.add(new Node(id, host, in.readUnsignedShort()));
        }
        FieldCodec.require(in, 2);
        int streamCount = in.readUnsignedShort();
        List<Stream> streams = new ArrayList<>(streamCount);
        for (int i = 0; i < streamCount; i++) {
            String name = FieldCodec.readString(in);
            StreamOptions options = StreamOptions.read(in);
            FieldCodec.require(in, 2);
            int rangeCount = in.readUnsignedShort();
            List<Range> ranges = new ArrayList<>(rangeCount);
            for (int j = 0; j < rangeCount; j++) {
                FieldCodec.require(in, 14);
                int rangeId = in.readInt();
                long first = in.readUnsignedInt();
                long last = in.readUnsignedInt();
                int replicaCount = in.readUnsignedShort();
                List<Integer> replicas = new ArrayList<>(replicaCount);
                FieldCodec.require(in, 2 * replicaCount + 24 + 9);
                for (int k = 0; k < replicaCount; k++) {
                    int index = in.readUnsignedShort();
                    if (index >= nodeCount) {
                        throw new ProtocolException(
                                ErrorCode.MALFORMED_FRAME, "replica index " + index + " beyond the node list");
                    }
                    replicas.add(index);
                }
                long size = in.readLong();
                long batches = in.readLong();
                long messages = in.readLong();
                long since = in.readLong();
                int flags = in.readUnsignedByte();
                ranges.add(new Range(rangeId, first, last, replicas, size, batches, messages, since, (flags & 1) != 0));
            }
            streams.add(new Stream(name, options, ranges));
        }
        return new MetadataResponse(responder, nodes, streams);
    }
}
