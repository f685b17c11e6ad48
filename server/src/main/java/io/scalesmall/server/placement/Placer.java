package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.PlacementView.RangeInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides one node's own claims from the view every node shares: which ranges it creates, which
 * it adopts and which it seals. Every node runs the same rules on its own view, and each writes
 * only its own claims; that is the whole of placement, with no node deciding for another.
 *
 * <p>Rules, for each key slice of each stream:
 *
 * <ol>
 *   <li><b>Create.</b> The slice's target replicas are {@link Placement#targetReplicas} over the
 *       live members (ALIVE or SUSPECT, with disk to offer). The first of them creates a new
 *       range when the slice has no current range, or its current range has other replicas: a
 *       fresh id, the target replicas, and a creation time after every range of the slice.
 *   <li><b>Adopt.</b> A node named as a replica of a current range it does not hold claims it.
 *   <li><b>Seal.</b> A node seals its claim on a range that is no longer current (a newer range
 *       of the slice exists) or that another holder sealed: the range then takes no new writes.
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
     * @param created ranges this node created (it holds them)
     * @param adopted ranges this node started to hold
     * @param sealed ranges this node sealed
     */
    public record Decision(
            List<StreamClaim> streams,
            List<RangeClaim> ranges,
            List<RangeClaim> created,
            List<RangeClaim> adopted,
            List<RangeClaim> sealed,
            boolean streamsChanged) {
        /** True when the node's claims must be rewritten. */
        public boolean changed() {
            return streamsChanged || !created.isEmpty() || !adopted.isEmpty() || !sealed.isEmpty();
        }
    }

    private Placer() {}

    /** The members that may hold new replicas, with their capacity. */
    public static List<Placement.Candidate> candidates(PlacementView view) {
        List<Placement.Candidate> candidates = new ArrayList<>();
        for (MemberEntry m : view.members()) {
            boolean live = m.status() == MemberStatus.ALIVE || m.status() == MemberStatus.SUSPECT;
            if (live && m.metadata().diskBytes() > 0) {
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
     */
    public static Decision decide(
            PlacementView view,
            NodeId self,
            List<StreamClaim> ownStreams,
            List<RangeClaim> ownRanges,
            long nowHlc,
            long salt) {
        List<Placement.Candidate> candidates = candidates(view);
        Map<String, RangeClaim> mine = new LinkedHashMap<>();
        for (RangeClaim r : ownRanges) {
            mine.put(key(r.stream(), r.rangeId()), r);
        }
        List<RangeClaim> created = new ArrayList<>();
        List<RangeClaim> adopted = new ArrayList<>();
        List<RangeClaim> sealed = new ArrayList<>();
        Set<String> supersededByCreation = new HashSet<>();

        for (StreamClaim stream : view.streams().values()) {
            for (int i = 0; i < stream.initialRanges(); i++) {
                long[] slice = Placement.slice(i, stream.initialRanges());
                List<NodeId> target = Placement.targetReplicas(
                        stream.stream(), slice[0], slice[1], stream.replicationFactor(), candidates);
                if (target.isEmpty() || !target.get(0).equals(self)) {
                    continue;
                }
                RangeClaim newest = newestOfSlice(view, stream.stream(), slice[0], slice[1]);
                RangeInfo newestInfo = newest == null ? null : view.range(stream.stream(), newest.rangeId());
                boolean fine = newestInfo != null
                        && newestInfo.open()
                        && new HashSet<>(newest.replicas()).equals(new HashSet<>(target));
                if (fine) {
                    continue;
                }
                long since = newest == null ? nowHlc : Math.max(nowHlc, newest.sinceHlc() + 1);
                int id = freshId(view, stream.stream(), self, salt + i, slice[0], created);
                RangeClaim range = new RangeClaim(stream.stream(), id, slice[0], slice[1], since, target, false);
                created.add(range);
                mine.put(key(range.stream(), id), range);
                if (newest != null) {
                    supersededByCreation.add(key(stream.stream(), newest.rangeId()));
                }
            }
            for (RangeInfo current : view.current(stream.stream())) {
                String k = key(current.stream(), current.rangeId());
                if (!mine.containsKey(k)
                        && current.descriptor().replicas().contains(self)
                        && !supersededByCreation.contains(k)) {
                    mine.put(k, current.descriptor());
                    adopted.add(current.descriptor());
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
        return new Decision(streams, List.copyOf(mine.values()), created, adopted, sealed, streamsChanged);
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

    private static RangeClaim newestOfSlice(PlacementView view, String stream, long start, long end) {
        RangeClaim newest = null;
        for (RangeInfo info : view.ranges(stream).values()) {
            RangeClaim d = info.descriptor();
            if (d.startHash() == start && d.endHash() == end) {
                if (newest == null || PlacementView.NEWEST_FIRST.compare(d, newest) < 0) {
                    newest = d;
                }
            }
        }
        return newest;
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

    private static String key(String stream, int rangeId) {
        return stream + "/" + rangeId;
    }
}
