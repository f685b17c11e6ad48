package io.scalesmall.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FieldCodec;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical binary encoding of the cluster-state values: exactly one encoding per value, so
 * that the digest of an entry (a hash of its encoding) is the same on every node, and the same
 * bytes serve on the wire. Big-endian, fixed-width integers; strings as a {@code u8} byte length
 * and UTF-8 bytes.
 *
 * <pre>
 * Endpoint      u8 hostLength (1..255) | host (UTF-8) | u16 port (1..65535)
 * NodeMetadata  Endpoint cluster | Endpoint client | i64 diskBytes (>= 0) | i64 memoryBytes (>= 0)
 *               | i32 cores (>= 0) | u8 zoneLength (0..64) | zone (UTF-8) | u8 flags (bit 0:
 *               draining; bit 1: an admin endpoint follows; others 0) | [Endpoint admin]
 * MemberEntry   NodeId (16) | i64 incarnation (>= 0) | u8 status (MemberStatus ordinal 0..3)
 *               | i64 sinceMs | NodeMetadata
 * StreamClaim   u8 streamLength (1..255) | stream (UTF-8) | u8 replicationFactor (1..255)
 *               | i64 retentionMs | i64 retentionBytes | u16 initialRanges (1..4096) | i64 createdHlc
 * RangeClaim    u8 streamLength (1..255) | stream (UTF-8) | i32 rangeId (>= 0) | u32 startHash
 *               | u32 lastHash (= endHash - 1, >= startHash) | i64 sinceHlc | u8 flags (bit 0: sealed;
 *               others 0) | u8 replicaCount (1..255) | NodeId * replicaCount
 * ClaimSet      NodeId owner (16) | i64 counter (>= 0) | u16 streamCount | StreamClaim * streamCount
 *               | u16 rangeCount | RangeClaim * rangeCount
 * Accusation    NodeId accuser (16) | NodeId suspect (16) | i64 incarnation
 * </pre>
 *
 * <p>Readers validate every field and throw {@link ProtocolException} with {@link
 * ErrorCode#MALFORMED_FRAME} on anything out of range, on invalid UTF-8, and on a field that runs
 * past the readable bytes; they never throw anything else. Writers throw {@link
 * IllegalArgumentException} for a value that has no encoding (a host longer than 255 bytes...).
 * A range's end is written as its last hash so that {@code endHash = 2^32} fits 32 bits.
 *
 * <p>Stateless; thread-safe.
 */
public final class EntryCodec {
    /** Longest host, in UTF-8 bytes. */
    public static final int MAX_HOST_BYTES = 255;
    /** Longest zone, in UTF-8 bytes. */
    public static final int MAX_ZONE_BYTES = 64;
    /** Longest stream name in a claim, in UTF-8 bytes. */
    public static final int MAX_STREAM_BYTES = 255;
    /** Most ranges in one claim set. */
    public static final int MAX_RANGES = 0xFFFF;

    /** Smallest encoded {@link Endpoint}: a one-byte host. */
    public static final int MIN_ENDPOINT_BYTES = 1 + 1 + 2;
    /** Smallest encoded {@link NodeMetadata}. */
    public static final int MIN_METADATA_BYTES = 2 * MIN_ENDPOINT_BYTES + 8 + 8 + 4 + 1;
    /** Smallest encoded {@link MemberEntry}. */
    public static final int MIN_MEMBER_BYTES = NodeId.BYTES + 8 + 1 + 8 + MIN_METADATA_BYTES;
    /** Most streams in one claim set. */
    public static final int MAX_STREAMS = 0xFFFF;
    /** Most replicas of one range. */
    public static final int MAX_REPLICAS = 255;

    /** Smallest encoded {@link StreamClaim}. */
    public static final int MIN_STREAM_BYTES = 1 + 1 + 1 + 8 + 8 + 2 + 8;
    /** Smallest encoded {@link RangeClaim}. */
    public static final int MIN_RANGE_BYTES = 1 + 1 + 4 + 4 + 4 + 8 + 1 + 1 + NodeId.BYTES;
    /** Smallest encoded {@link ClaimSet}: no streams, no ranges. */
    public static final int MIN_CLAIMS_BYTES = NodeId.BYTES + 8 + 2 + 2;
    /** Size of an encoded {@link Accusation}. */
    public static final int ACCUSATION_BYTES = 2 * NodeId.BYTES + 8;

    private static final MemberStatus[] STATUSES = MemberStatus.values();

    private EntryCodec() {}

    // ---- Endpoint

    /** Writes {@code endpoint}. */
    public static void write(ByteBuf out, Endpoint endpoint) {
        writeString(out, endpoint.host(), 1, MAX_HOST_BYTES, "host");
        out.writeShort(endpoint.port());
    }

    /** Reads an endpoint written by {@link #write(ByteBuf, Endpoint)}. */
    public static Endpoint readEndpoint(ByteBuf in) {
        String host = readString(in, 1, MAX_HOST_BYTES, "host");
        FieldCodec.require(in, 2);
        int port = in.readUnsignedShort();
        if (port == 0) {
            throw malformed("endpoint port 0");
        }
        return new Endpoint(host, port);
    }

    /** Encoded size of {@code endpoint}. */
    public static int encodedSize(Endpoint endpoint) {
        return 1 + ByteBufUtil.utf8Bytes(endpoint.host()) + 2;
    }

    // ---- NodeMetadata

    /** Writes {@code metadata}. */
    public static void write(ByteBuf out, NodeMetadata metadata) {
        write(out, metadata.clusterEndpoint());
        write(out, metadata.clientEndpoint());
        out.writeLong(metadata.diskBytes());
        out.writeLong(metadata.memoryBytes());
        out.writeInt(metadata.cores());
        writeString(out, metadata.zone(), 0, MAX_ZONE_BYTES, "zone");
        out.writeByte((metadata.draining() ? 1 : 0) | (metadata.adminEndpoint() != null ? 2 : 0));
        if (metadata.adminEndpoint() != null) {
            write(out, metadata.adminEndpoint());
        }
    }

    /** Reads metadata written by {@link #write(ByteBuf, NodeMetadata)}. */
    public static NodeMetadata readMetadata(ByteBuf in) {
        Endpoint cluster = readEndpoint(in);
        Endpoint client = readEndpoint(in);
        FieldCodec.require(in, 8 + 8 + 4);
        long diskBytes = in.readLong();
        long memoryBytes = in.readLong();
        int cores = in.readInt();
        if (diskBytes < 0 || memoryBytes < 0 || cores < 0) {
            throw malformed("negative capacity in node metadata");
        }
        String zone = readString(in, 0, MAX_ZONE_BYTES, "zone");
        FieldCodec.require(in, 1);
        int flags = in.readUnsignedByte();
        if ((flags & ~3) != 0) {
            throw malformed("unknown node metadata flags " + flags);
        }
        Endpoint admin = (flags & 2) != 0 ? readEndpoint(in) : null;
        return new NodeMetadata(cluster, client, diskBytes, memoryBytes, cores, zone, (flags & 1) != 0, admin);
    }

    /** Encoded size of {@code metadata}. */
    public static int encodedSize(NodeMetadata metadata) {
        return encodedSize(metadata.clusterEndpoint())
                + encodedSize(metadata.clientEndpoint())
                + 8
                + 8
                + 4
                + 1
                + ByteBufUtil.utf8Bytes(metadata.zone())
                + 1
                + (metadata.adminEndpoint() == null ? 0 : encodedSize(metadata.adminEndpoint()));
    }

    // ---- MemberEntry

    /** Writes {@code entry}. */
    public static void write(ByteBuf out, MemberEntry entry) {
        entry.id().write(out);
        out.writeLong(entry.incarnation());
        out.writeByte(entry.status().ordinal());
        out.writeLong(entry.sinceMs());
        write(out, entry.metadata());
    }

    /** Reads a member entry written by {@link #write(ByteBuf, MemberEntry)}. */
    public static MemberEntry readMember(ByteBuf in) {
        NodeId id = NodeId.read(in);
        FieldCodec.require(in, 8 + 1 + 8);
        long incarnation = in.readLong();
        if (incarnation < 0) {
            throw malformed("negative incarnation " + incarnation);
        }
        int status = in.readUnsignedByte();
        if (status >= STATUSES.length) {
            throw malformed("unknown member status " + status);
        }
        long sinceMs = in.readLong();
        NodeMetadata metadata = readMetadata(in);
        return new MemberEntry(id, incarnation, STATUSES[status], sinceMs, metadata);
    }

    /** Encoded size of {@code entry}. */
    public static int encodedSize(MemberEntry entry) {
        return NodeId.BYTES + 8 + 1 + 8 + encodedSize(entry.metadata());
    }

    // ---- StreamClaim

    /** Writes {@code claim}. */
    public static void write(ByteBuf out, StreamClaim claim) {
        writeString(out, claim.stream(), 1, MAX_STREAM_BYTES, "stream name");
        out.writeByte(claim.replicationFactor());
        out.writeLong(claim.retentionMs());
        out.writeLong(claim.retentionBytes());
        out.writeShort(claim.initialRanges());
        out.writeLong(claim.createdHlc());
    }

    /** Reads a stream claim written by {@link #write(ByteBuf, StreamClaim)}. */
    public static StreamClaim readStream(ByteBuf in) {
        String stream = readString(in, 1, MAX_STREAM_BYTES, "stream name");
        FieldCodec.require(in, 1 + 8 + 8 + 2 + 8);
        int replicationFactor = in.readUnsignedByte();
        long retentionMs = in.readLong();
        long retentionBytes = in.readLong();
        int initialRanges = in.readUnsignedShort();
        long createdHlc = in.readLong();
        if (replicationFactor < 1) {
            throw malformed("replication factor 0 in a stream claim");
        }
        if (initialRanges < 1 || initialRanges > StreamClaim.MAX_INITIAL_RANGES) {
            throw malformed("initial ranges out of range: " + initialRanges);
        }
        return new StreamClaim(stream, replicationFactor, retentionMs, retentionBytes, initialRanges, createdHlc);
    }

    /** Encoded size of {@code claim}. */
    public static int encodedSize(StreamClaim claim) {
        return 1 + ByteBufUtil.utf8Bytes(claim.stream()) + 1 + 8 + 8 + 2 + 8;
    }

    // ---- RangeClaim

    /** Writes {@code claim}. */
    public static void write(ByteBuf out, RangeClaim claim) {
        if (claim.replicas().size() > MAX_REPLICAS) {
            throw new IllegalArgumentException("more than " + MAX_REPLICAS + " replicas in one range");
        }
        writeString(out, claim.stream(), 1, MAX_STREAM_BYTES, "stream name");
        out.writeInt(claim.rangeId());
        out.writeInt((int) claim.startHash());
        out.writeInt((int) (claim.endHash() - 1));
        out.writeLong(claim.sinceHlc());
        out.writeByte(claim.sealed() ? 1 : 0);
        out.writeByte(claim.replicas().size());
        for (NodeId replica : claim.replicas()) {
            replica.write(out);
        }
    }

    /** Reads a range claim written by {@link #write(ByteBuf, RangeClaim)}. */
    public static RangeClaim readRange(ByteBuf in) {
        String stream = readString(in, 1, MAX_STREAM_BYTES, "stream name");
        FieldCodec.require(in, 4 + 8 + 8 + 1 + 1);
        int rangeId = in.readInt();
        long start = in.readUnsignedInt();
        long last = in.readUnsignedInt();
        long sinceHlc = in.readLong();
        int flags = in.readUnsignedByte();
        int replicaCount = in.readUnsignedByte();
        if (rangeId < 0) {
            throw malformed("negative range id " + rangeId);
        }
        if (last < start) {
            throw malformed("claimed range ends before it starts: [" + start + ", " + (last + 1) + ")");
        }
        if ((flags & ~1) != 0) {
            throw malformed("unknown range claim flags " + flags);
        }
        if (replicaCount == 0) {
            throw malformed("a claimed range has no replicas");
        }
        FieldCodec.require(in, replicaCount * NodeId.BYTES);
        List<NodeId> replicas = new ArrayList<>(replicaCount);
        for (int i = 0; i < replicaCount; i++) {
            replicas.add(NodeId.read(in));
        }
        return new RangeClaim(stream, rangeId, start, last + 1, sinceHlc, replicas, (flags & 1) != 0);
    }

    /** Encoded size of {@code claim}. */
    public static int encodedSize(RangeClaim claim) {
        return 1
                + ByteBufUtil.utf8Bytes(claim.stream())
                + 4
                + 8
                + 8
                + 1
                + 1
                + claim.replicas().size() * NodeId.BYTES;
    }

    // ---- ClaimSet

    /** Writes {@code claims}. */
    public static void write(ByteBuf out, ClaimSet claims) {
        List<StreamClaim> streams = claims.streams();
        List<RangeClaim> ranges = claims.ranges();
        if (streams.size() > MAX_STREAMS) {
            throw new IllegalArgumentException("more than " + MAX_STREAMS + " streams in one claim set");
        }
        if (ranges.size() > MAX_RANGES) {
            throw new IllegalArgumentException("more than " + MAX_RANGES + " ranges in one claim set");
        }
        claims.owner().write(out);
        out.writeLong(claims.counter());
        out.writeShort(streams.size());
        for (int i = 0; i < streams.size(); i++) {
            write(out, streams.get(i));
        }
        out.writeShort(ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            write(out, ranges.get(i));
        }
    }

    /** Reads a claim set written by {@link #write(ByteBuf, ClaimSet)}. */
    public static ClaimSet readClaims(ByteBuf in) {
        NodeId owner = NodeId.read(in);
        FieldCodec.require(in, 8 + 2);
        long counter = in.readLong();
        if (counter < 0) {
            throw malformed("negative claim counter " + counter);
        }
        int streamCount = readCount(in, MIN_STREAM_BYTES, "streams");
        List<StreamClaim> streams = new ArrayList<>(streamCount);
        for (int i = 0; i < streamCount; i++) {
            streams.add(readStream(in));
        }
        int count = readCount(in, MIN_RANGE_BYTES, "ranges");
        List<RangeClaim> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ranges.add(readRange(in));
        }
        return new ClaimSet(owner, counter, streams, ranges);
    }

    /** Encoded size of {@code claims}. */
    public static int encodedSize(ClaimSet claims) {
        int size = NodeId.BYTES + 8 + 2 + 2;
        List<StreamClaim> streams = claims.streams();
        for (int i = 0; i < streams.size(); i++) {
            size += encodedSize(streams.get(i));
        }
        List<RangeClaim> ranges = claims.ranges();
        for (int i = 0; i < ranges.size(); i++) {
            size += encodedSize(ranges.get(i));
        }
        return size;
    }

    // ---- Accusation

    /** Writes {@code accusation}. */
    public static void write(ByteBuf out, Accusation accusation) {
        accusation.accuser().write(out);
        accusation.suspect().write(out);
        out.writeLong(accusation.incarnation());
    }

    /** Reads an accusation written by {@link #write(ByteBuf, Accusation)}. */
    public static Accusation readAccusation(ByteBuf in) {
        FieldCodec.require(in, ACCUSATION_BYTES);
        return new Accusation(NodeId.read(in), NodeId.read(in), in.readLong());
    }

    /** Encoded size of {@code accusation}. */
    public static int encodedSize(Accusation accusation) {
        return ACCUSATION_BYTES;
    }

    // ---- shared field helpers

    /**
     * Reads a {@code u16} element count and checks that the readable bytes can hold that many
     * elements of at least {@code minElementBytes} each, so that a forged count never makes the
     * reader allocate more than the input could fill.
     */
    public static int readCount(ByteBuf in, int minElementBytes, String what) {
        FieldCodec.require(in, 2);
        int count = in.readUnsignedShort();
        if ((long) count * minElementBytes > in.readableBytes()) {
            throw malformed(count + " " + what + " cannot fit in the " + in.readableBytes() + " bytes left");
        }
        return count;
    }

    /** A {@link ProtocolException} with {@link ErrorCode#MALFORMED_FRAME}. */
    public static ProtocolException malformed(String message) {
        return new ProtocolException(ErrorCode.MALFORMED_FRAME, message);
    }

    private static void writeString(ByteBuf out, String s, int minBytes, int maxBytes, String what) {
        int length = ByteBufUtil.utf8Bytes(s);
        if (length < minBytes || length > maxBytes) {
            throw new IllegalArgumentException(
                    what + " must have " + minBytes + ".." + maxBytes + " UTF-8 bytes, has " + length);
        }
        out.writeByte(length);
        out.writeCharSequence(s, StandardCharsets.UTF_8);
    }

    private static String readString(ByteBuf in, int minBytes, int maxBytes, String what) {
        FieldCodec.require(in, 1);
        int length = in.readUnsignedByte();
        if (length < minBytes || length > maxBytes) {
            throw malformed(what + " must have " + minBytes + ".." + maxBytes + " bytes, has " + length);
        }
        FieldCodec.require(in, length);
        int start = in.readerIndex();
        boolean ascii = true;
        for (int i = 0; i < length && ascii; i++) {
            ascii = in.getByte(start + i) >= 0;
        }
        String s;
        if (ascii) {
            s = in.toString(start, length, StandardCharsets.US_ASCII);
        } else {
            try {
                // strict: invalid UTF-8 would decode to a replacement character and re-encode differently
                s = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(in.nioBuffer(start, length))
                        .toString();
            } catch (CharacterCodingException e) {
                throw malformed(what + " is not valid UTF-8");
            }
        }
        in.skipBytes(length);
        return s;
    }
}
