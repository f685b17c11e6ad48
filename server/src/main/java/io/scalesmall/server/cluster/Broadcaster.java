package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterMessage.Broadcast;
import io.scalesmall.server.cluster.ClusterMessage.BroadcastAck;
import io.scalesmall.server.cluster.net.ClusterCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Logarithmic broadcast: every change reaches the N live members in about log2 N hops with about
 * N-1 messages.
 *
 * <p>Design note. A target set is a range {@code [lo, hi]} of the ring (members ordered by {@link
 * ClusterState#ringPosition}), so it travels in 16 bytes whatever its size. The node responsible
 * for a range splits its members, itself included, at the median: it keeps the half holding
 * itself and hands the other half to a member of that half chosen at random, which does the same.
 * It repeats until it is alone in its range. Every member is handed exactly one range, so a
 * broadcast costs N-1 hand-offs; the random choice of receivers builds a different tree every
 * time. A hand-off is acked; one not acked within the (health-scaled) timeout is sent once more
 * to the same member (a lost ack is as likely as a lost hand-off, and a receiver relays a range
 * only once), then to other members of the same half, up to {@code broadcastRetries} retries in
 * all; after that anti-entropy repairs whoever missed it.
 *
 * <p>Multicast (optional, when the {@link Outbox} offers it): the originator also sends the news
 * once to the local network's multicast group, so every node of the LAN learns it in one hop. A
 * multicast copy carries no range and is neither acked nor relayed; the tree still runs, because
 * multicast is lossy and does not cross routers, so it buys speed, not reliability. A node whose own join is not answered
 * yet holds the hand-offs it receives until its view arrives, since relaying with an empty view
 * would drop the whole range.
 *
 * <p>Why the ring rather than a shuffled list: a shuffled list must travel with the message
 * (thousands of ids in one datagram) or be rebuilt identically on every node; a ring range is
 * compact and each receiver finds its members in its own sorted view in O(log N). Views that
 * differ slightly only cost a duplicate or a miss that anti-entropy repairs. Not thread-safe.
 */
final class Broadcaster {
    private static final int RECENT_RANGES = 512;
    /** Hand-offs kept while this node waits for its join to be answered. */
    private static final int MAX_DEFERRED = 256;
    /** {@code lo > hi}: a hand-off that carries the news and no responsibility. */
    private static final long EMPTY_LO = 1;

    private static final long EMPTY_HI = 0;

    private record HandOffKey(long broadcastId, NodeId target) {}

    private record RangeKey(long broadcastId, long lo, long hi) {}

    private static final class HandOff {
        final Broadcast message;
        final List<NodeId> tried = new ArrayList<>(2);
        int attempts;
        TimerQueue.Timer timer;

        HandOff(Broadcast message) {
            this.message = message;
        }
    }

    private final ClusterProtocol protocol;
    private final Map<HandOffKey, HandOff> pending = new HashMap<>();
    private final Map<RangeKey, Boolean> recentRanges = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RangeKey, Boolean> eldest) {
            return size() > RECENT_RANGES;
        }
    };
    private final List<MemberEntry> scratch = new ArrayList<>();
    private final List<Broadcast> deferred = new ArrayList<>();
    private final int emptyBroadcastBytes;

    Broadcaster(ClusterProtocol protocol) {
        this.protocol = protocol;
        this.emptyBroadcastBytes =
                ClusterCodec.encodedSize(new Broadcast(protocol.id, 0, 0, 0, 0, List.of(), List.of(), List.of()));
    }

    /** Hand-offs not yet acked nor given up on. */
    int pendingHandOffs() {
        return pending.size();
    }

    /** Starts broadcasts of a change, split so that every hand-off fits one datagram. */
    void originate(List<MemberEntry> members, List<ClaimSet> claims, List<Accusation> accusations) {
        int budget = protocol.config.maxDatagramBytes() - emptyBroadcastBytes;
        List<MemberEntry> chunkMembers = new ArrayList<>();
        List<ClaimSet> chunkClaims = new ArrayList<>();
        List<Accusation> chunkAccusations = new ArrayList<>();
        int used = 0;
        for (MemberEntry member : members) {
            int size = EntryCodec.encodedSize(member);
            if (used > 0 && used + size > budget) {
                start(chunkMembers, chunkClaims, chunkAccusations);
                used = 0;
            }
            chunkMembers.add(member);
            used += size;
        }
        for (ClaimSet claim : claims) {
            int size = EntryCodec.encodedSize(claim);
            if (used > 0 && used + size > budget) {
                start(chunkMembers, chunkClaims, chunkAccusations);
                used = 0;
            }
            chunkClaims.add(claim);
            used += size;
        }
        for (Accusation accusation : accusations) {
            int size = EntryCodec.encodedSize(accusation);
            if (used > 0 && used + size > budget) {
                start(chunkMembers, chunkClaims, chunkAccusations);
                used = 0;
            }
            chunkAccusations.add(accusation);
            used += size;
        }
        if (used > 0) {
            start(chunkMembers, chunkClaims, chunkAccusations);
        }
    }

    private void start(List<MemberEntry> members, List<ClaimSet> claims, List<Accusation> accusations) {
        protocol.counters.broadcastsOriginated++;
        piggybackRecentJoins(members, claims, accusations);
        Broadcast whole =
                new Broadcast(protocol.id, protocol.random.nextLong(), 0, -1L, 0, members, claims, accusations);
        members.clear();
        claims.clear();
        accusations.clear();
        if (protocol.multicasts()) {
            protocol.counters.multicastsSent++;
            protocol.multicast(withRange(whole, EMPTY_LO, EMPTY_HI, 0));
        }
        relay(whole);
    }

    /**
     * Fills what room is left in the datagram with members that joined recently. Relays merge them
     * before they split their range, so a relay that had not yet heard of a newcomer still hands
     * it the broadcast; and a node that missed a join broadcast learns of it from the next one,
     * instead of waiting for anti-entropy. Costs no message, only bytes, and only while nodes join.
     */
    private void piggybackRecentJoins(List<MemberEntry> members, List<ClaimSet> claims, List<Accusation> accusations) {
        List<MemberEntry> recent = protocol.recentJoins();
        if (recent.isEmpty()) {
            return;
        }
        int used = emptyBroadcastBytes;
        for (MemberEntry member : members) {
            used += EntryCodec.encodedSize(member);
        }
        for (ClaimSet claim : claims) {
            used += EntryCodec.encodedSize(claim);
        }
        used += accusations.size() * EntryCodec.ACCUSATION_BYTES;
        for (MemberEntry joined : recent) {
            int size = EntryCodec.encodedSize(joined);
            if (used + size > protocol.config.maxDatagramBytes()) {
                break;
            }
            if (!members.contains(joined)) {
                members.add(joined);
                used += size;
            }
        }
    }

    void onBroadcast(Endpoint sender, Broadcast broadcast) {
        protocol.send(
                protocol.replyEndpoint(broadcast.from(), sender),
                new BroadcastAck(protocol.id, broadcast.broadcastId()));
        RangeKey range = new RangeKey(broadcast.broadcastId(), broadcast.rangeLo(), broadcast.rangeHi());
        if (recentRanges.put(range, Boolean.TRUE) != null) {
            return;
        }
        protocol.applyAll(broadcast.members(), broadcast.claims());
        for (Accusation accusation : broadcast.accusations()) {
            protocol.applyAccusation(accusation);
        }
        if (!protocol.joined()) {
            // Our view is still empty: relaying now would drop the whole range. Wait for the
            // seed's answer (bounded; beyond the bound, anti-entropy repairs).
            if (deferred.size() < MAX_DEFERRED) {
                deferred.add(broadcast);
            }
            return;
        }
        relay(broadcast);
    }

    /** A multicast first hop: the news alone; the tree hand-off that follows carries the duty. */
    void onMulticast(Broadcast broadcast) {
        protocol.counters.multicastsReceived++;
        protocol.applyAll(broadcast.members(), broadcast.claims());
        for (Accusation accusation : broadcast.accusations()) {
            protocol.applyAccusation(accusation);
        }
    }

    /** Relays what arrived before this node's join was answered. */
    void relayDeferred() {
        for (Broadcast broadcast : deferred) {
            relay(broadcast);
        }
        deferred.clear();
    }

    void onAck(BroadcastAck ack) {
        HandOff handOff = pending.remove(new HandOffKey(ack.broadcastId(), ack.from()));
        if (handOff != null) {
            handOff.timer.cancel();
        }
    }

    /** Splits {@code received}'s range until this node is alone in what it keeps. */
    private void relay(Broadcast received) {
        long lo = received.rangeLo();
        long hi = received.rangeHi();
        if (Long.compareUnsigned(lo, hi) > 0) {
            return;
        }
        scratch.clear();
        protocol.state.liveMembersBetween(lo, hi, scratch);
        scratch.removeIf(member -> member.id().equals(protocol.id));
        long selfPosition = ClusterState.ringPosition(protocol.id);
        int hops = received.hops() + 1;
        int from = 0;
        int to = scratch.size();
        // Where this node sits among the others; every kept range still contains it.
        int selfAt = 0;
        while (selfAt < to && Long.compareUnsigned(position(selfAt), selfPosition) < 0) {
            selfAt++;
        }
        while (from < to) {
            // The combined, sorted list of the range is scratch[from, to) with this node inserted at
            // selfAt; its upper half starts at combined index half.
            int half = (to - from + 1) / 2;
            int selfIndex = selfAt - from;
            if (selfIndex < half) {
                int handFrom = from + half - 1;
                long boundary = position(handFrom);
                long below = selfIndex == half - 1 ? selfPosition : position(handFrom - 1);
                if (below == boundary) {
                    handEachDirectly(received, hops, from, to);
                    return;
                }
                handOff(received, boundary, hi, hops, handFrom, to);
                hi = boundary - 1;
                to = handFrom;
            } else {
                int handTo = from + half;
                long boundary = selfIndex == half ? selfPosition : position(handTo);
                long below = position(handTo - 1);
                if (below == boundary) {
                    handEachDirectly(received, hops, from, to);
                    return;
                }
                handOff(received, lo, boundary - 1, hops, from, handTo);
                lo = boundary;
                from = handTo;
            }
        }
    }

    private long position(int index) {
        return ClusterState.ringPosition(scratch.get(index).id());
    }

    /** Ids too close on the ring to split (tests with hand-made ids): tell each one directly. */
    private void handEachDirectly(Broadcast received, int hops, int from, int to) {
        for (int i = from; i < to; i++) {
            send(new HandOff(withRange(received, EMPTY_LO, EMPTY_HI, hops)), scratch.get(i));
        }
    }

    private void handOff(Broadcast received, long lo, long hi, int hops, int from, int to) {
        send(new HandOff(withRange(received, lo, hi, hops)), pickReceiver(scratch.subList(from, to)));
    }

    /**
     * A random member of {@code candidates}, preferring an ALIVE one: a SUSPECT member may well be
     * dead, and a hand-off to it costs a timeout and a retry.
     */
    private MemberEntry pickReceiver(List<MemberEntry> candidates) {
        MemberEntry pick = candidates.get(protocol.random.nextInt(candidates.size()));
        for (int attempt = 0; attempt < 3 && pick.status() != MemberStatus.ALIVE; attempt++) {
            pick = candidates.get(protocol.random.nextInt(candidates.size()));
        }
        return pick;
    }

    private Broadcast withRange(Broadcast received, long lo, long hi, int hops) {
        return new Broadcast(
                protocol.id,
                received.broadcastId(),
                lo,
                hi,
                hops,
                received.members(),
                received.claims(),
                received.accusations());
    }

    private void send(HandOff handOff, MemberEntry target) {
        handOff.attempts++;
        if (!handOff.tried.contains(target.id())) {
            handOff.tried.add(target.id());
        }
        pending.put(new HandOffKey(handOff.message.broadcastId(), target.id()), handOff);
        protocol.send(target.metadata().clusterEndpoint(), handOff.message);
        protocol.counters.handOffsSent++;
        long timeoutMs = protocol.health.scale(protocol.config.broadcastAckTimeoutMs());
        handOff.timer = protocol.timers.schedule(protocol.now() + timeoutMs, () -> retry(handOff, target.id()));
    }

    /** No ack came: hand the same half to another member of it, or leave it to anti-entropy. */
    private void retry(HandOff handOff, NodeId silent) {
        if (pending.remove(new HandOffKey(handOff.message.broadcastId(), silent)) == null) {
            return;
        }
        if (handOff.attempts > protocol.config.broadcastRetries()) {
            protocol.counters.handOffsGivenUp++;
            return;
        }
        MemberEntry silentMember = protocol.state.member(silent);
        if (handOff.attempts == 1
                && silentMember != null
                && silentMember.status().isLive()) {
            // First retry: the same node. A lost ack is as likely as a lost hand-off, and the
            // receiver relays a range only once, so this costs one message; handing the half to
            // another node would have it relayed twice.
            protocol.counters.handOffRetries++;
            send(handOff, silentMember);
            return;
        }
        Broadcast message = handOff.message;
        List<MemberEntry> candidates = new ArrayList<>();
        if (Long.compareUnsigned(message.rangeLo(), message.rangeHi()) <= 0) {
            protocol.state.liveMembersBetween(message.rangeLo(), message.rangeHi(), candidates);
        }
        candidates.removeIf(member -> member.id().equals(protocol.id));
        List<MemberEntry> untried = new ArrayList<>(candidates);
        untried.removeIf(member -> handOff.tried.contains(member.id()));
        MemberEntry target;
        if (!untried.isEmpty()) {
            target = pickReceiver(untried);
        } else {
            // A half of one member (the leaves of the tree), or every member tried: try the silent
            // one again; its hand-off or its ack may just have been lost.
            target = silentMember;
            if (target == null || !target.status().isLive()) {
                protocol.counters.handOffsGivenUp++;
                return;
            }
        }
        protocol.counters.handOffRetries++;
        send(handOff, target);
    }
}
