package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.PlacementView.RangeInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides one node's own claims from the view every node shares: which ranges it creates, which
 * it adopts and which it seals. Every node runs the same rules on its own view, and each writes
 * only its own claims; that is the whole of placement, with no node deciding for another.
 *
 * <p>Rules, for each key slice of each stream ({@link PlacementView#slices}):
 *
 * <ol>
 *   <li><b>Create.</b> The slice's target replicas are {@link Placement#targetReplicas} over the
 *       live members (ALIVE or SUSPECT, with disk to offer). The first of them creates a new
 *       range when the slice has no current range, or its current range has other replicas: a
 *       fresh id, the target replicas, and a creation time after every range of the slice.
 *   <li><b>Split.</b> When this node asks to split a current range it holds (the range is hot or
 *       big, see {@link SplitMonitor}), is the range's first live replica, and the stream has
 *       fewer current ranges than its limit, it creates one range for each half of the slice, on
 *       the same replicas (so it holds both; ordered as each half's target ranks them, so the
 *       halves' preferred coordinators spread), after the range; the halves are slices from then on,
 *       each with its own target replicas: where those differ, the Create rule replaces the half's
 *       range as for any placement change.
 *   <li><b>Adopt.</b> A node named as a replica of a current range it does not hold claims it.
 *   <li><b>Seal.</b> A node seals its claim on a range that is no longer current (a newer range
 *       of the slice exists) or that another holder sealed: the range then takes no new writes.
 *   <li><b>Restore.</b> When holders of a sealed range have been DEAD or LEFT for
 *       the restore delay and fewer live holders remain than the range has replicas (capped by the
 *       live members), the best {@link Placement#copyTargets} among the live non-holders claim it
 *       too, sealed, one per lost copy; each then pulls the range's batches from the live holders
 *       through ordinary repair. Nothing is copied because a node joined, only because copies
 *       were lost. A <i>draining</i> holder (one handing its data off before it leaves) counts as
 *       lost at once, while it still serves its batches to the new holders.
 * </ol>
 *
 * <p>So a join, a death or a departure gives the slices whose target changed a new range for new
 * writes, and moves no data: older ranges stay where they are, sealed, for readers. When two nodes
 * disagree for a moment (one has not heard of a join yet), both may create a range for a slice;
 * the newest wins everywhere and the other is sealed, so claims that overlap settle the same way
 * on every node.
 *
 * <p>Stateless; thread-safe.
 */
public final class Placer {
    /**
     * A node's claims after a decision, and what changed.
     *
     * @param streams the streams the node claims
     * @param ranges every range the node claims
     * @param created ranges this node created (it holds them), halves of split ranges included
     * @param split ranges this node split (it sealed them)
     * @param adopted ranges this node started to hold
     * @param sealed ranges this node sealed
     * @param restoring sealed ranges this node took to restore lost copies (it holds them, and
     *     fills them by repair)
     * @param recheckAtMs the earliest wall-clock time at which a lost copy's restore delay ends
     *     while it waits, so the rules should run again then; {@code Long.MAX_VALUE} for none
     */
    public record Decision(
            List<StreamClaim> streams,
            List<RangeClaim> ranges,
            List<RangeClaim> created,
            List<RangeClaim> split,
            List<RangeClaim> adopted,
            List<RangeClaim> sealed,
            List<RangeClaim> restoring,
            boolean streamsChanged,
            long recheckAtMs) {
        /** True when the node's claims must be rewritten. */
        public boolean changed() {
            return streamsChanged
                    || !created.isEmpty()
                    || !split.isEmpty()
                    || !adopted.isEmpty()
                    || !sealed.isEmpty()
                    || !restoring.isEmpty();
        }
    }

    private Placer() {}

    /** The members that may hold new replicas, with their capacity. */
    public static List<Placement.Candidate> candidates(PlacementView view) {
        List<Placement.Candidate> candidates = new ArrayList<>();
        for (MemberEntry m : view.members()) {
            if (m.isLive() && m.metadata().diskBytes() > 0 && !m.metadata().draining()) {
                candidates.add(new Placement.Candidate(
                        m.id(), m.metadata().diskBytes(), m.metadata().zone()));
            }
        }
        return candidates;
    }

    /**
     * Applies the rules for {@code self}.
     *
     * @param ownStreams the streams {@code self} claims now
     * @param ownRanges the ranges {@code self} claims now
     * @param nowHlc the node's hybrid logical clock now, for creation times
     * @param salt changes at every call that may create (the node's claim counter), for fresh ids
     * @param nowMs the node's wall clock, to tell how long a holder has been gone
     * @param restoreDelayMs how long a holder must have been DEAD or LEFT before its copies are
     *     restored elsewhere; {@code Long.MAX_VALUE} for never (a draining holder's are still made)
     * @param splitWanted the ranges this node would split (hot or big, by its own measure)
     * @param maxRangesPerStream no split while a stream has this many current ranges
     */
    public static Decision decide(
            PlacementView view,
            NodeId self,
            List<StreamClaim> ownStreams,
            List<RangeClaim> ownRanges,
            long nowHlc,
            long salt,
            long nowMs,
            long restoreDelayMs,
            Predicate<RangeClaim> splitWanted,
            int maxRangesPerStream) {
        List<Placement.Candidate> candidates = candidates(view);
        Map<String, RangeClaim> mine = new LinkedHashMap<>();
        for (RangeClaim r : ownRanges) {
            mine.put(key(r.stream(), r.rangeId()), r);
        }
        List<RangeClaim> created = new ArrayList<>();
        List<RangeClaim> split = new ArrayList<>();
        List<RangeClaim> adopted = new ArrayList<>();
        List<RangeClaim> sealed = new ArrayList<>();
        Set<String> supersededByCreation = new HashSet<>();

        for (StreamClaim stream : view.streams().values()) {
            List<PlacementView.Slice> slices = view.slices(stream.stream());
            for (int i = 0; i < slices.size(); i++) {
                PlacementView.Slice slice = slices.get(i);
                List<NodeId> target = Placement.targetReplicas(
                        stream.stream(), slice.start(), slice.end(), stream.replicationFactor(), candidates);
                if (target.isEmpty() || !target.get(0).equals(self)) {
                    continue;
                }
                RangeClaim newest = view.newestOf(stream.stream(), slice);
                RangeInfo newestInfo = newest == null ? null : view.range(stream.stream(), newest.rangeId());
                boolean fine = newestInfo != null
                        && newestInfo.open()
                        && new HashSet<>(newest.replicas()).equals(new HashSet<>(target));
                if (fine) {
                    continue;
                }
                long since = newest == null ? nowHlc : Math.max(nowHlc, newest.sinceHlc() + 1);
                int id = freshId(view, stream.stream(), self, salt + i, slice.start(), created);
                RangeClaim range =
                        new RangeClaim(stream.stream(), id, slice.start(), slice.end(), since, target, false);
                created.add(range);
                mine.put(key(range.stream(), id), range);
                if (newest != null) {
                    supersededByCreation.add(key(stream.stream(), newest.rangeId()));
                }
            }
            int currentRanges = view.current(stream.stream()).size();
            for (RangeInfo current : view.current(stream.stream())) {
                String k = key(current.stream(), current.rangeId());
                RangeClaim held = mine.get(k);
                if (held != null
                        && !held.sealed()
                        && currentRanges < maxRangesPerStream
                        && !supersededByCreation.contains(k)
                        && !draining(view, self)
                        && self.equals(firstLiveReplica(view, current.descriptor()))
                        && new PlacementView.Slice(held.startHash(), held.endHash()).splittable()
                        && splitWanted.test(held)) {
                    long since = Math.max(nowHlc, held.sinceHlc() + 1);
                    PlacementView.Slice whole = new PlacementView.Slice(held.startHash(), held.endHash());
                    for (PlacementView.Slice half : List.of(whole.lower(), whole.upper())) {
                        int id = freshId(view, stream.stream(), self, salt ^ held.rangeId(), half.start(), created);
                        List<NodeId> target = Placement.targetReplicas(
                                stream.stream(), half.start(), half.end(), stream.replicationFactor(), candidates);
                        RangeClaim range = new RangeClaim(
                                stream.stream(),
                                id,
                                half.start(),
                                half.end(),
                                since,
                                orderedLike(held.replicas(), target),
                                false);
                        created.add(range);
                        mine.put(key(range.stream(), id), range);
                    }
                    split.add(held);
                    supersededByCreation.add(k);
                    currentRanges++;
                    continue;
                }
                if (!draining(view, self)
                        && !mine.containsKey(k)
                        && current.descriptor().replicas().contains(self)
                        && !supersededByCreation.contains(k)) {
                    mine.put(k, current.descriptor());
                    adopted.add(current.descriptor());
                }
            }
        }

        List<RangeClaim> restoring = new ArrayList<>();
        long recheckAtMs = Long.MAX_VALUE;
        // Even with restoring switched off (delay Long.MAX_VALUE) a draining holder needs copies.
        for (StreamClaim stream : view.streams().values()) {
            for (RangeInfo info : view.ranges(stream.stream()).values()) {
                String k = key(info.stream(), info.rangeId());
                if (mine.containsKey(k) || view.isCurrent(info)) {
                    continue; // held already, or replaced by Create when a replica is gone
                }
                Restore restore = restoreNeeds(view, info, candidates, nowMs, restoreDelayMs);
                recheckAtMs = Math.min(recheckAtMs, restore.recheckAtMs);
                if (restore.copies > 0 && restore.targets(info, candidates).contains(self)) {
                    RangeClaim copy = info.descriptor().seal();
                    mine.put(k, copy);
                    restoring.add(copy);
                }
            }
        }

        for (Map.Entry<String, RangeClaim> e : mine.entrySet()) {
            RangeClaim r = e.getValue();
            if (r.sealed() || created.contains(r)) {
                continue;
            }
            RangeInfo info = view.range(r.stream(), r.rangeId());
            boolean superseded = supersededByCreation.contains(e.getKey())
                    || (info != null && (!info.open() || !view.isCurrent(info)));
            if (superseded) {
                RangeClaim closed = r.seal();
                e.setValue(closed);
                sealed.add(closed);
            }
        }

        List<StreamClaim> streams = streamsFor(view, ownStreams, mine.values());
        boolean streamsChanged = !streams.equals(ownStreams);
        return new Decision(
                streams,
                List.copyOf(mine.values()),
                created,
                split,
                adopted,
                sealed,
                restoring,
                streamsChanged,
                recheckAtMs);
    }

    /**
     * What restoring a sealed range takes.
     *
     * @param copies how many new copies it needs now
     * @param recheckAtMs when a holder that is gone but still within the restore delay passes it
     */
    private record Restore(int copies, long recheckAtMs) {
        /** The nodes that take the copies: the best live non-holders for this range. */
        List<NodeId> targets(RangeInfo info, List<Placement.Candidate> candidates) {
            List<Placement.Candidate> free = new ArrayList<>(candidates.size());
            for (Placement.Candidate c : candidates) {
                if (!info.holders().contains(c.id())) {
                    free.add(c);
                }
            }
            return Placement.copyTargets(info.stream(), info.rangeId(), copies, free);
        }
    }

    private static Restore restoreNeeds(
            PlacementView view, RangeInfo info, List<Placement.Candidate> candidates, long nowMs, long restoreDelayMs) {
        int live = 0;
        int lost = 0;
        long recheckAtMs = Long.MAX_VALUE;
        Set<NodeId> owners = new HashSet<>(info.holders());
        owners.addAll(info.descriptor().replicas());
        for (NodeId owner : owners) {
            MemberEntry m = view.member(owner);
            if (m == null) {
                // Unknown here: a member this node has not heard of yet, or one forgotten long
                // after the restore delay (tombstones outlive it). Not counted either way.
                continue;
            } else if (m.isLive()) {
                if (m.metadata().draining()) {
                    // Handing off before it leaves: its copies are made now, from it or the others.
                    lost += info.holders().contains(owner) ? 1 : 0;
                } else {
                    live += info.holders().contains(owner) ? 1 : 0;
                }
            } else if (nowMs - m.sinceMs() >= restoreDelayMs) {
                lost++;
            } else {
                recheckAtMs = Math.min(recheckAtMs, m.sinceMs() + restoreDelayMs);
            }
        }
        int wanted = Math.min(info.descriptor().replicas().size(), candidates.size());
        // The sources: live holders, draining ones included (they serve pulls until they leave).
        boolean draining = false;
        for (NodeId h : info.holders()) {
            MemberEntry m = view.member(h);
            draining |= m != null && m.isLive() && m.metadata().draining();
        }
        int sources = live + (draining ? 1 : 0);
        // A draining holder's range is filled up to its replica count, which is what the node waits
        // for before it leaves; otherwise only lost copies are made again.
        int copies = sources == 0 ? 0 : Math.max(0, draining ? wanted - live : Math.min(wanted - live, lost));
        return new Restore(copies, copies > 0 ? Long.MAX_VALUE : recheckAtMs);
    }

    /**
     * The streams a node claims: those it already claims and those it holds ranges of, each as the
     * view defines it (so every holder converges on the winning definition).
     */
    private static List<StreamClaim> streamsFor(
            PlacementView view, List<StreamClaim> ownStreams, Iterable<RangeClaim> ranges) {
        Map<String, StreamClaim> out = new LinkedHashMap<>();
        for (StreamClaim s : ownStreams) {
            StreamClaim winner = view.stream(s.stream());
            out.put(s.stream(), winner == null || s.precedes(winner) ? s : winner);
        }
        for (RangeClaim r : ranges) {
            StreamClaim winner = view.stream(r.stream());
            if (winner != null && !out.containsKey(r.stream())) {
                out.put(r.stream(), winner);
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * {@code replicas} with those in {@code target} first, in its order, then the others: a half
     * keeps its range's replicas, but its first (its preferred coordinator) is the half's own.
     */
    private static List<NodeId> orderedLike(List<NodeId> replicas, List<NodeId> target) {
        List<NodeId> out = new ArrayList<>(replicas.size());
        for (NodeId t : target) {
            if (replicas.contains(t)) {
                out.add(t);
            }
        }
        for (NodeId r : replicas) {
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** The first of a range's replicas that is live, or null: the one that decides its split. */
    private static NodeId firstLiveReplica(PlacementView view, RangeClaim range) {
        for (NodeId replica : range.replicas()) {
            MemberEntry m = view.member(replica);
            if (m != null && m.isLive()) {
                return replica;
            }
        }
        return null;
    }

    private static int freshId(
            PlacementView view, String stream, NodeId self, long salt, long start, List<RangeClaim> created) {
        long h = Placement.mix(self.high() ^ Placement.mix(self.low() ^ Placement.mix(salt ^ (start << 1))));
        while (true) {
            int id = (int) (h & 0x7FFF_FFFF);
            boolean taken = view.range(stream, id) != null;
            for (RangeClaim c : created) {
                taken |= c.stream().equals(stream) && c.rangeId() == id;
            }
            if (!taken) {
                return id;
            }
            h = Placement.mix(h + 1);
        }
    }

    /** True when {@code node} told the cluster it is handing its data off to leave. */
    static boolean draining(PlacementView view, NodeId node) {
        MemberEntry m = view.member(node);
        return m != null && m.metadata().draining();
    }

    private static String key(String stream, int rangeId) {
        return stream + "/" + rangeId;
    }
}
