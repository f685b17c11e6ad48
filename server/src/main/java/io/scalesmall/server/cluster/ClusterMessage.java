package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.Arrays;
import java.util.List;

/**
 * Every message of the cluster plane. Immutable values: the simulator passes them between nodes
 * by reference, the transport encodes them with {@code cluster.net.ClusterCodec}. {@link #from()}
 * is always the node that sent this message (not the one that started a relay).
 */
public sealed interface ClusterMessage {
    /** The sending node. */
    NodeId from();

    /**
     * A direct probe. {@code target} lets a node that took over a stale address ignore probes
     * meant for another.
     */
    record Ping(NodeId from, long seq, NodeId target) implements ClusterMessage {}

    /**
     * Answer to {@link Ping} carrying the ping's {@code seq}; a helper of an indirect probe relays
     * it to the origin under the origin's {@code seq}.
     */
    record Ack(NodeId from, long seq) implements ClusterMessage {}

    /** Asks {@code from}'s peer to probe {@code target} on its behalf (SWIM indirect probe). */
    record PingReq(NodeId from, long seq, NodeId target, Endpoint targetEndpoint) implements ClusterMessage {}

    /**
     * A helper of an indirect probe heard nothing from the target in time. Tells the origin that
     * the helper itself is reachable (Lifeguard: a missing nack counts against the origin's own
     * health).
     */
    record Nack(NodeId from, long seq) implements ClusterMessage {}

    /**
     * A hand-off of one logarithmic broadcast. The receiver merges the payload and becomes
     * responsible for every live member whose ring position lies in {@code [rangeLo, rangeHi]}
     * (unsigned, inclusive): it keeps half and hands the other half on. The payload is a delta:
     * only the entries that changed.
     *
     * @param broadcastId random id of this broadcast, the same on every hand-off
     * @param hops 1 for the origin's own hand-offs, one more at every relay
     */
    record Broadcast(
            NodeId from,
            long broadcastId,
            long rangeLo,
            long rangeHi,
            int hops,
            List<MemberEntry> members,
            List<ClaimSet> claims,
            List<Accusation> accusations)
            implements ClusterMessage {
        public Broadcast {
            members = List.copyOf(members);
            claims = List.copyOf(claims);
            accusations = List.copyOf(accusations);
        }
    }

    /** The receiver of a {@link Broadcast} hand-off took it over. */
    record BroadcastAck(NodeId from, long broadcastId) implements ClusterMessage {}

    /** Push-pull anti-entropy, step 1: the sender's whole-state digest. */
    record SyncDigest(NodeId from, long digest, int members) implements ClusterMessage {}

    /**
     * Step 2, sent back when the digests differ: the digest of each of the {@link
     * ClusterState#BUCKETS} buckets of the state.
     */
    record SyncBuckets(NodeId from, long[] bucketDigests) implements ClusterMessage {
        @Override
        public boolean equals(Object o) {
            return o instanceof SyncBuckets other
                    && from.equals(other.from)
                    && Arrays.equals(bucketDigests, other.bucketDigests);
        }

        @Override
        public int hashCode() {
            return from.hashCode() * 31 + Arrays.hashCode(bucketDigests);
        }

        @Override
        public String toString() {
            return "SyncBuckets[from=" + from + ", buckets=" + bucketDigests.length + "]";
        }
    }

    /**
     * Step 3 (and 4): every entry the sender holds in the buckets set in {@code bucketMask} (a bit
     * per bucket, bucket {@code b} is bit {@code b % 64} of word {@code b / 64}). With {@code
     * replyWanted} the receiver merges them and answers with its own entries of those buckets that
     * the sender lacks or holds older.
     */
    record SyncEntries(
            NodeId from, long[] bucketMask, List<MemberEntry> members, List<ClaimSet> claims, boolean replyWanted)
            implements ClusterMessage {
        public SyncEntries {
            members = List.copyOf(members);
            claims = List.copyOf(claims);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SyncEntries other
                    && from.equals(other.from)
                    && Arrays.equals(bucketMask, other.bucketMask)
                    && members.equals(other.members)
                    && claims.equals(other.claims)
                    && replyWanted == other.replyWanted;
        }

        @Override
        public int hashCode() {
            return ((from.hashCode() * 31 + Arrays.hashCode(bucketMask)) * 31 + members.hashCode()) * 31
                    + claims.hashCode();
        }

        @Override
        public String toString() {
            return "SyncEntries[from=" + from + ", members=" + members.size() + ", claims=" + claims.size()
                    + ", replyWanted=" + replyWanted + "]";
        }
    }

    /** A new or restarted node asks a seed to let it in, presenting its own entry and claims. */
    record Join(NodeId from, MemberEntry self, ClaimSet claims) implements ClusterMessage {}

    /** The seed's whole state, answering {@link Join}. */
    record JoinReply(NodeId from, List<MemberEntry> members, List<ClaimSet> claims) implements ClusterMessage {
        public JoinReply {
            members = List.copyOf(members);
            claims = List.copyOf(claims);
        }
    }
}
