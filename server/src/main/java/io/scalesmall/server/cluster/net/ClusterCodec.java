package io.scalesmall.server.cluster.net;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FieldCodec;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.server.cluster.Accusation;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.ClusterMessage.Ack;
import io.scalesmall.server.cluster.ClusterMessage.Broadcast;
import io.scalesmall.server.cluster.ClusterMessage.BroadcastAck;
import io.scalesmall.server.cluster.ClusterMessage.Join;
import io.scalesmall.server.cluster.ClusterMessage.JoinReply;
import io.scalesmall.server.cluster.ClusterMessage.Nack;
import io.scalesmall.server.cluster.ClusterMessage.Ping;
import io.scalesmall.server.cluster.ClusterMessage.PingReq;
import io.scalesmall.server.cluster.ClusterMessage.SyncBuckets;
import io.scalesmall.server.cluster.ClusterMessage.SyncDigest;
import io.scalesmall.server.cluster.ClusterMessage.SyncEntries;
import io.scalesmall.server.cluster.ClusterState;
import io.scalesmall.server.cluster.EntryCodec;
import io.scalesmall.server.cluster.MemberEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes every {@link ClusterMessage}, sealed with the cluster key (authenticated
 * encryption, {@link ClusterKeys#seal}). One message is one UDP datagram, or one length-prefixed
 * TCP frame (the length prefix is the transport's, not part of the message).
 *
 * <pre>
 * offset  size  field
 *      0     1  version (u8), in the clear and authenticated
 *      1    16  salt: the message's own key is derived from the cluster key and it
 *     17   1+n  type (u8, see the TYPE_ constants) and body, by type (docs/PROTOCOL.md
 *               "Cluster messages"; entries in {@link EntryCodec}'s encoding), encrypted
 *   18+n    16  AES-GCM tag
 * </pre>
 *
 * <p>The version comes first and in the clear so a later version can change everything after it
 * and a node can say which version it got. The receiver opens the message before it looks at
 * anything else, so unauthenticated bytes never reach the parser. Lists carry a {@code u16}
 * count, checked against the bytes left before anything is allocated.
 *
 * <p>Every decoding failure is a {@link ProtocolException}: {@link ErrorCode#MALFORMED_FRAME} for a
 * short, forged or corrupt message ({@link #decode} says which in the message), {@link
 * ErrorCode#UNSUPPORTED_VERSION} for a message of another version. Not thread-safe: it uses its
 * {@link ClusterKeys}, which belong to one thread.
 */
public final class ClusterCodec {
    /** The version this codec writes and reads. */
    /**
     * 2: node metadata end with a flags byte (draining); 3: an admin endpoint; 4: sealed (encrypted)
     * instead of signed.
     */
    public static final int VERSION = 4;

    /** Bytes of every message besides its body: version, type, salt and tag. */
    public static final int OVERHEAD_BYTES = 1 + 1 + ClusterKeys.SEAL_BYTES;

    /** Type code of {@link Ping}. */
    public static final int TYPE_PING = 1;
    /** Type code of {@link Ack}. */
    public static final int TYPE_ACK = 2;
    /** Type code of {@link PingReq}. */
    public static final int TYPE_PING_REQ = 3;
    /** Type code of {@link Nack}. */
    public static final int TYPE_NACK = 4;
    /** Type code of {@link Broadcast}. */
    public static final int TYPE_BROADCAST = 5;
    /** Type code of {@link BroadcastAck}. */
    public static final int TYPE_BROADCAST_ACK = 6;
    /** Type code of {@link SyncDigest}. */
    public static final int TYPE_SYNC_DIGEST = 7;
    /** Type code of {@link SyncBuckets}. */
    public static final int TYPE_SYNC_BUCKETS = 8;
    /** Type code of {@link SyncEntries}. */
    public static final int TYPE_SYNC_ENTRIES = 9;
    /** Type code of {@link Join}. */
    public static final int TYPE_JOIN = 10;
    /** Type code of {@link JoinReply}. */
    public static final int TYPE_JOIN_REPLY = 11;

    /** Words of a {@link SyncEntries} bucket mask: a bit per bucket. */
    public static final int MASK_WORDS = ClusterState.BUCKETS / 64;

    /** Most elements of one list in a message. */
    public static final int MAX_LIST = 0xFFFF;

    private static final int SEQ_BODY = NodeId.BYTES + 8;

    private final ClusterKeys keys;

    /** A codec signing with and verifying against {@code keys}. */
    public ClusterCodec(ClusterKeys keys) {
        this.keys = keys;
    }

    /** Exact size of {@code message} once encoded, MAC included, computed without encoding it. */
    public static int encodedSize(ClusterMessage message) {
        return OVERHEAD_BYTES + bodySize(message);
    }

    /** The type code of {@code message}. */
    public static int typeOf(ClusterMessage message) {
        if (message instanceof Ping) {
            return TYPE_PING;
        } else if (message instanceof Ack) {
            return TYPE_ACK;
        } else if (message instanceof PingReq) {
            return TYPE_PING_REQ;
        } else if (message instanceof Nack) {
            return TYPE_NACK;
        } else if (message instanceof Broadcast) {
            return TYPE_BROADCAST;
        } else if (message instanceof BroadcastAck) {
            return TYPE_BROADCAST_ACK;
        } else if (message instanceof SyncDigest) {
            return TYPE_SYNC_DIGEST;
        } else if (message instanceof SyncBuckets) {
            return TYPE_SYNC_BUCKETS;
        } else if (message instanceof SyncEntries) {
            return TYPE_SYNC_ENTRIES;
        } else if (message instanceof Join) {
            return TYPE_JOIN;
        } else if (message instanceof JoinReply) {
            return TYPE_JOIN_REPLY;
        }
        throw new IllegalArgumentException("unknown cluster message " + message.getClass());
    }

    /**
     * Appends {@code message}, sealed, to {@code out}.
     *
     * @throws IllegalArgumentException for a message that has no encoding (a list longer than
     *     {@link #MAX_LIST}, a bucket array of the wrong size...); nothing useful is left in {@code out}
     */
    public void encode(ClusterMessage message, ByteBuf out) {
        int start = out.writerIndex();
        out.writeByte(VERSION);
        out.writeByte(typeOf(message));
        try {
            writeBody(message, out);
        } catch (RuntimeException e) {
            out.writerIndex(start);
            throw e;
        }
        keys.seal(out, start);
    }

    /**
     * Decodes the message that is exactly the readable bytes of {@code in}, and consumes them.
     *
     * @throws ProtocolException when the version is not {@link #VERSION}, no accepted key opens the
     *     message, or the body is malformed or followed by extra bytes
     */
    public ClusterMessage decode(ByteBuf in) {
        int start = in.readerIndex();
        int length = in.readableBytes();
        if (length < OVERHEAD_BYTES) {
            throw EntryCodec.malformed(
                    "cluster message of " + length + " bytes is shorter than its header, salt and tag");
        }
        int version = in.getUnsignedByte(start);
        if (version != VERSION) {
            // Rejected before it is opened: a node of another version seals (or signs) otherwise.
            throw new ProtocolException(
                    ErrorCode.UNSUPPORTED_VERSION,
                    "cluster message version " + version + " (this node speaks " + VERSION + ")");
        }
        ByteBuf plain = keys.open(in, start, length);
        if (plain == null) {
            throw EntryCodec.malformed("cluster message does not open under the cluster key");
        }
        try {
            int type = plain.getUnsignedByte(1);
            ByteBuf body = plain.slice(2, plain.readableBytes() - 2);
            ClusterMessage message = readBody(type, body);
            if (body.isReadable()) {
                throw EntryCodec.malformed(body.readableBytes() + " bytes after the end of a cluster message");
            }
            in.skipBytes(length);
            return message;
        } finally {
            plain.release();
        }
    }

    private static int bodySize(ClusterMessage message) {
        if (message instanceof Ping) {
            return SEQ_BODY + NodeId.BYTES;
        } else if (message instanceof Ack || message instanceof Nack || message instanceof BroadcastAck) {
            return SEQ_BODY;
        } else if (message instanceof PingReq m) {
            return SEQ_BODY + NodeId.BYTES + EntryCodec.encodedSize(m.targetEndpoint());
        } else if (message instanceof Broadcast m) {
            return NodeId.BYTES
                    + 8
                    + 8
                    + 8
                    + 2
                    + membersSize(m.members())
                    + claimsSize(m.claims())
                    + 2
                    + m.accusations().size() * EntryCodec.ACCUSATION_BYTES;
        } else if (message instanceof SyncDigest) {
            return NodeId.BYTES + 8 + 4;
        } else if (message instanceof SyncBuckets) {
            return NodeId.BYTES + ClusterState.BUCKETS * 8;
        } else if (message instanceof SyncEntries m) {
            return NodeId.BYTES + MASK_WORDS * 8 + membersSize(m.members()) + claimsSize(m.claims()) + 1;
        } else if (message instanceof Join m) {
            return NodeId.BYTES + EntryCodec.encodedSize(m.self()) + EntryCodec.encodedSize(m.claims());
        } else if (message instanceof JoinReply m) {
            return NodeId.BYTES + membersSize(m.members()) + claimsSize(m.claims());
        }
        throw new IllegalArgumentException("unknown cluster message " + message.getClass());
    }

    private static int membersSize(List<MemberEntry> members) {
        int size = 2;
        for (int i = 0; i < members.size(); i++) {
            size += EntryCodec.encodedSize(members.get(i));
        }
        return size;
    }

    private static int claimsSize(List<ClaimSet> claims) {
        int size = 2;
        for (int i = 0; i < claims.size(); i++) {
            size += EntryCodec.encodedSize(claims.get(i));
        }
        return size;
    }

    private static void writeBody(ClusterMessage message, ByteBuf out) {
        message.from().write(out);
        if (message instanceof Ping m) {
            out.writeLong(m.seq());
            m.target().write(out);
        } else if (message instanceof Ack m) {
            out.writeLong(m.seq());
        } else if (message instanceof PingReq m) {
            out.writeLong(m.seq());
            m.target().write(out);
            EntryCodec.write(out, m.targetEndpoint());
        } else if (message instanceof Nack m) {
            out.writeLong(m.seq());
        } else if (message instanceof Broadcast m) {
            if (m.hops() < 0 || m.hops() > 0xFFFF) {
                throw new IllegalArgumentException("broadcast hops out of range 0..65535: " + m.hops());
            }
            out.writeLong(m.broadcastId());
            out.writeLong(m.rangeLo());
            out.writeLong(m.rangeHi());
            out.writeShort(m.hops());
            writeMembers(out, m.members());
            writeClaims(out, m.claims());
            out.writeShort(checkedCount(m.accusations().size()));
            for (Accusation accusation : m.accusations()) {
                EntryCodec.write(out, accusation);
            }
        } else if (message instanceof BroadcastAck m) {
            out.writeLong(m.broadcastId());
        } else if (message instanceof SyncDigest m) {
            if (m.members() < 0) {
                throw new IllegalArgumentException("negative member count " + m.members());
            }
            out.writeLong(m.digest());
            out.writeInt(m.members());
        } else if (message instanceof SyncBuckets m) {
            if (m.bucketDigests().length != ClusterState.BUCKETS) {
                throw new IllegalArgumentException(
                        "need " + ClusterState.BUCKETS + " bucket digests, got " + m.bucketDigests().length);
            }
            for (long d : m.bucketDigests()) {
                out.writeLong(d);
            }
        } else if (message instanceof SyncEntries m) {
            if (m.bucketMask().length != MASK_WORDS) {
                throw new IllegalArgumentException(
                        "need a bucket mask of " + MASK_WORDS + " words, got " + m.bucketMask().length);
            }
            for (long w : m.bucketMask()) {
                out.writeLong(w);
            }
            writeMembers(out, m.members());
            writeClaims(out, m.claims());
            out.writeByte(m.replyWanted() ? 1 : 0);
        } else if (message instanceof Join m) {
            EntryCodec.write(out, m.self());
            EntryCodec.write(out, m.claims());
        } else if (message instanceof JoinReply m) {
            writeMembers(out, m.members());
            writeClaims(out, m.claims());
        } else {
            throw new IllegalArgumentException("unknown cluster message " + message.getClass());
        }
    }

    private static ClusterMessage readBody(int type, ByteBuf in) {
        NodeId from = NodeId.read(in);
        switch (type) {
            case TYPE_PING:
                FieldCodec.require(in, 8);
                return new Ping(from, in.readLong(), NodeId.read(in));
            case TYPE_ACK:
                FieldCodec.require(in, 8);
                return new Ack(from, in.readLong());
            case TYPE_PING_REQ: {
                FieldCodec.require(in, 8);
                long seq = in.readLong();
                NodeId target = NodeId.read(in);
                return new PingReq(from, seq, target, EntryCodec.readEndpoint(in));
            }
            case TYPE_NACK:
                FieldCodec.require(in, 8);
                return new Nack(from, in.readLong());
            case TYPE_BROADCAST: {
                FieldCodec.require(in, 8 + 8 + 8 + 2);
                long broadcastId = in.readLong();
                long rangeLo = in.readLong();
                long rangeHi = in.readLong();
                int hops = in.readUnsignedShort();
                List<MemberEntry> members = readMembers(in);
                List<ClaimSet> claims = readClaims(in);
                int count = EntryCodec.readCount(in, EntryCodec.ACCUSATION_BYTES, "accusations");
                List<Accusation> accusations = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    accusations.add(EntryCodec.readAccusation(in));
                }
                return new Broadcast(from, broadcastId, rangeLo, rangeHi, hops, members, claims, accusations);
            }
            case TYPE_BROADCAST_ACK:
                FieldCodec.require(in, 8);
                return new BroadcastAck(from, in.readLong());
            case TYPE_SYNC_DIGEST: {
                FieldCodec.require(in, 8 + 4);
                long digest = in.readLong();
                int members = in.readInt();
                if (members < 0) {
                    throw EntryCodec.malformed("negative member count " + members);
                }
                return new SyncDigest(from, digest, members);
            }
            case TYPE_SYNC_BUCKETS: {
                FieldCodec.require(in, ClusterState.BUCKETS * 8);
                long[] digests = new long[ClusterState.BUCKETS];
                for (int i = 0; i < digests.length; i++) {
                    digests[i] = in.readLong();
                }
                return new SyncBuckets(from, digests);
            }
            case TYPE_SYNC_ENTRIES: {
                FieldCodec.require(in, MASK_WORDS * 8);
                long[] mask = new long[MASK_WORDS];
                for (int i = 0; i < mask.length; i++) {
                    mask[i] = in.readLong();
                }
                List<MemberEntry> members = readMembers(in);
                List<ClaimSet> claims = readClaims(in);
                FieldCodec.require(in, 1);
                int replyWanted = in.readUnsignedByte();
                if (replyWanted > 1) {
                    throw EntryCodec.malformed("replyWanted must be 0 or 1, is " + replyWanted);
                }
                return new SyncEntries(from, mask, members, claims, replyWanted == 1);
            }
            case TYPE_JOIN: {
                MemberEntry self = EntryCodec.readMember(in);
                return new Join(from, self, EntryCodec.readClaims(in));
            }
            case TYPE_JOIN_REPLY: {
                List<MemberEntry> members = readMembers(in);
                return new JoinReply(from, members, readClaims(in));
            }
            default:
                throw EntryCodec.malformed("unknown cluster message type " + type);
        }
    }

    private static int checkedCount(int count) {
        if (count > MAX_LIST) {
            throw new IllegalArgumentException("more than " + MAX_LIST + " elements in one list");
        }
        return count;
    }

    private static void writeMembers(ByteBuf out, List<MemberEntry> members) {
        out.writeShort(checkedCount(members.size()));
        for (int i = 0; i < members.size(); i++) {
            EntryCodec.write(out, members.get(i));
        }
    }

    private static void writeClaims(ByteBuf out, List<ClaimSet> claims) {
        out.writeShort(checkedCount(claims.size()));
        for (int i = 0; i < claims.size(); i++) {
            EntryCodec.write(out, claims.get(i));
        }
    }

    private static List<MemberEntry> readMembers(ByteBuf in) {
        int count = EntryCodec.readCount(in, EntryCodec.MIN_MEMBER_BYTES, "member entries");
        List<MemberEntry> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(EntryCodec.readMember(in));
        }
        return members;
    }

    private static List<ClaimSet> readClaims(ByteBuf in) {
        int count = EntryCodec.readCount(in, EntryCodec.MIN_CLAIMS_BYTES, "claim sets");
        List<ClaimSet> claims = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            claims.add(EntryCodec.readClaims(in));
        }
        return claims;
    }
}
