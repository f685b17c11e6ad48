package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterMessage.SyncBuckets;
import io.scalesmall.server.cluster.ClusterMessage.SyncDigest;
import io.scalesmall.server.cluster.ClusterMessage.SyncEntries;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Push-pull anti-entropy. Every sync interval this node sends its state digest to a random live
 * member; every {@code seedSyncEvery}-th round it goes to a seed or to a member it holds DEAD
 * instead, so the two sides of a healed partition find each other. Two nodes that agree exchange
 * one small message. When they differ: the receiver answers with its {@link ClusterState#BUCKETS}
 * bucket digests; the initiator sends every entry of the buckets that differ; the receiver merges
 * them and sends back its entries of those buckets that the initiator lacks or holds older. Only
 * differing buckets travel, never the whole state. Not thread-safe.
 */
final class AntiEntropy {
    private final ClusterProtocol protocol;
    private long rounds;

    AntiEntropy(ClusterProtocol protocol) {
        this.protocol = protocol;
    }

    void start() {
        long phaseMs = protocol.random.nextLong(protocol.config.syncIntervalMs());
        protocol.timers.schedule(protocol.now() + phaseMs, this::round);
    }

    private void round() {
        protocol.timers.schedule(protocol.now() + protocol.config.syncIntervalMs(), this::round);
        rounds++;
        Endpoint target = null;
        if (rounds % protocol.config.seedSyncEvery() == 0) {
            target = farSide((rounds / protocol.config.seedSyncEvery()) % 2 == 0);
        }
        if (target == null) {
            MemberEntry peer = protocol.detector().randomLiveMember(protocol.id);
            target = peer == null ? farSide(true) : peer.metadata().clusterEndpoint();
        }
        if (target != null) {
            protocol.counters.syncRounds++;
            protocol.send(target, new SyncDigest(protocol.id, protocol.state.digest(), protocol.state.memberCount()));
        }
    }

    /** A seed, or a member held DEAD: nodes that may sit on the other side of a partition. */
    private Endpoint farSide(boolean preferSeed) {
        MemberEntry dead = preferSeed ? null : protocol.detector().randomDeadMember();
        if (dead != null) {
            return dead.metadata().clusterEndpoint();
        }
        List<Endpoint> seeds = protocol.seeds();
        return seeds.isEmpty() ? null : seeds.get(protocol.random.nextInt(seeds.size()));
    }

    void onDigest(Endpoint sender, SyncDigest digest) {
        if (digest.digest() == protocol.state.digest()) {
            return;
        }
        protocol.counters.syncMismatches++;
        protocol.send(
                protocol.replyEndpoint(digest.from(), sender),
                new SyncBuckets(protocol.id, protocol.state.bucketDigests()));
    }

    void onBuckets(Endpoint sender, SyncBuckets buckets) {
        long[] theirs = buckets.bucketDigests();
        if (theirs.length != ClusterState.BUCKETS) {
            return;
        }
        long[] ours = protocol.state.bucketDigests();
        long[] mask = new long[ClusterState.BUCKETS / 64];
        boolean differs = false;
        for (int bucket = 0; bucket < ClusterState.BUCKETS; bucket++) {
            if (ours[bucket] != theirs[bucket]) {
                mask[bucket >>> 6] |= 1L << (bucket & 63);
                differs = true;
            }
        }
        if (!differs) {
            return;
        }
        List<MemberEntry> members = new ArrayList<>();
        List<ClaimSet> claims = new ArrayList<>();
        protocol.state.entriesInBuckets(mask, members, claims);
        protocol.send(
                protocol.replyEndpoint(buckets.from(), sender),
                new SyncEntries(protocol.id, mask, members, claims, true));
    }

    void onEntries(Endpoint sender, SyncEntries entries) {
        if (entries.bucketMask().length != ClusterState.BUCKETS / 64) {
            return;
        }
        protocol.applyAll(entries.members(), entries.claims());
        if (!entries.replyWanted()) {
            return;
        }
        Map<NodeId, MemberEntry> theirMembers = new HashMap<>();
        for (MemberEntry member : entries.members()) {
            theirMembers.put(member.id(), member);
        }
        Map<NodeId, ClaimSet> theirClaims = new HashMap<>();
        for (ClaimSet claim : entries.claims()) {
            theirClaims.put(claim.owner(), claim);
        }
        List<MemberEntry> members = new ArrayList<>();
        List<ClaimSet> claims = new ArrayList<>();
        protocol.state.entriesInBuckets(entries.bucketMask(), members, claims);
        members.removeIf(mine -> {
            MemberEntry theirs = theirMembers.get(mine.id());
            return theirs != null && ClusterState.compare(mine, theirs) <= 0;
        });
        claims.removeIf(mine -> {
            ClaimSet theirs = theirClaims.get(mine.owner());
            return theirs != null && ClusterState.compare(mine, theirs) <= 0;
        });
        if (!members.isEmpty() || !claims.isEmpty()) {
            protocol.send(
                    protocol.replyEndpoint(entries.from(), sender),
                    new SyncEntries(protocol.id, entries.bucketMask(), members, claims, false));
        }
    }
}
