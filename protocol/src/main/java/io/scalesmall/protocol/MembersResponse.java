package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * MEMBERS_OK body: the cluster's member table as the responder sees it, tombstones included.
 *
 * <pre>
 * 16 bytes responder
 * u32 memberCount
 *   16 bytes id
 *   i64      incarnation     raised by the member at every start and to refute a suspicion
 *   u8       status          0 ALIVE, 1 SUSPECT, 2 DEAD, 3 LEFT
 *   i64      sinceMs         when the status was declared (ms since the epoch)
 *   string   clusterHost, u16 clusterPort   where the member's cluster plane listens
 *   string   clientHost,  u16 clientPort    where clients connect to it
 *   i64      diskBytes       disk capacity offered for data
 *   i64      memoryBytes     memory for recent batches
 *   i32      cores           processor cores
 *   string   zone            failure zone; empty when none is set
 *                                            (memberCount times)
 * </pre>
 *
 * <p>Big-endian, like every frame body. The status is a number on the wire and its name here, so
 * that clients print it without knowing the server's state enum. The count is a u32 because a
 * cluster may outgrow 65,535 members; a reader refuses a count the remaining bytes cannot hold
 * ({@link #MIN_MEMBER_BYTES} each) before allocating anything, and an unknown status code, with
 * MALFORMED_FRAME.
 *
 * @param responder the node that answered
 * @param members every member the responder knows, itself included
 */
public record MembersResponse(NodeId responder, List<Member> members) {
    /** Status names in wire-code order. */
    public static final List<String> STATUSES = List.of("ALIVE", "SUSPECT", "DEAD", "LEFT");

    /** Encoded size of a member whose three strings are empty. */
    public static final int MIN_MEMBER_BYTES = NodeId.BYTES + 8 + 1 + 8 + (2 + 2) * 2 + 8 + 8 + 4 + 2;

    public MembersResponse {
        members = List.copyOf(members);
    }

    /**
     * One row of the member table.
     *
     * @param id the member
     * @param incarnation its incarnation
     * @param status one of {@link #STATUSES}
     * @param sinceMs when the status was declared (ms since the epoch)
     * @param clusterHost host of its cluster plane
     * @param clusterPort port of its cluster plane (0–65535)
     * @param clientHost host clients connect to
     * @param clientPort port clients connect to (0–65535)
     * @param diskBytes disk capacity offered for data
     * @param memoryBytes memory for recent batches
     * @param cores processor cores
     * @param zone failure zone, empty when none is set
     */
    public record Member(
            NodeId id,
            long incarnation,
            String status,
            long sinceMs,
            String clusterHost,
            int clusterPort,
            String clientHost,
            int clientPort,
            long diskBytes,
            long memoryBytes,
            int cores,
            String zone) {
        public Member {
            if (!STATUSES.contains(status)) {
                throw new IllegalArgumentException("status must be one of " + STATUSES + ": " + status);
            }
            checkPort(clusterPort);
            checkPort(clientPort);
            zone = zone == null ? "" : zone;
        }

        private static void checkPort(int port) {
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }
    }

    public void write(ByteBuf out) {
        responder.write(out);
        out.writeInt(members.size());
        for (Member m : members) {
            m.id.write(out);
            out.writeLong(m.incarnation);
            out.writeByte(STATUSES.indexOf(m.status));
            out.writeLong(m.sinceMs);
            FieldCodec.writeString(out, m.clusterHost);
            out.writeShort(m.clusterPort);
            FieldCodec.writeString(out, m.clientHost);
            out.writeShort(m.clientPort);
            out.writeLong(m.diskBytes);
            out.writeLong(m.memoryBytes);
            out.writeInt(m.cores);
            FieldCodec.writeString(out, m.zone);
        }
    }

    public static MembersResponse read(ByteBuf in) {
        NodeId responder = NodeId.read(in);
        FieldCodec.require(in, 4);
        long count = in.readUnsignedInt();
        if (count > in.readableBytes() / MIN_MEMBER_BYTES) {
            throw new ProtocolException(
                    ErrorCode.MALFORMED_FRAME, count + " members cannot fit in " + in.readableBytes() + " bytes");
        }
        int n = (int) count;
        List<Member> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            NodeId id = NodeId.read(in);
            FieldCodec.require(in, 17);
            long incarnation = in.readLong();
            int statusCode = in.readUnsignedByte();
            if (statusCode >= STATUSES.size()) {
                throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "unknown member status " + statusCode);
            }
            long sinceMs = in.readLong();
            String clusterHost = FieldCodec.readString(in);
            FieldCodec.require(in, 2);
            int clusterPort = in.readUnsignedShort();
            String clientHost = FieldCodec.readString(in);
            FieldCodec.require(in, 22);
            int clientPort = in.readUnsignedShort();
            long diskBytes = in.readLong();
            long memoryBytes = in.readLong();
            int cores = in.readInt();
            String zone = FieldCodec.readString(in);
            members.add(new Member(
                    id,
                    incarnation,
                    STATUSES.get(statusCode),
                    sinceMs,
                    clusterHost,
                    clusterPort,
                    clientHost,
                    clientPort,
                    diskBytes,
                    memoryBytes,
                    cores,
                    zone));
        }
        return new MembersResponse(responder, members);
    }
}
