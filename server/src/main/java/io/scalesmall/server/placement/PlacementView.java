package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What every node can derive from the cluster state alone: the streams, every range any node
 * holds (with its holders and who sealed it), and for each stream the <i>current</i> ranges, the
 * ones new writes go to. Two nodes with the same cluster state build equal views.
 *
 * <p>Rules. A stream's definition is the earliest one claimed ({@link StreamClaim#precedes}). A
 * range is <i>open</i> while none of its holders has sealed it. The stream's key space is cut into
 * <i>slices</i>: first its initial slices ({@link Placement#slice}); a slice is cut in two halves
 * (a split) when a range of a slice inside one of its halves is newer than every range of the
 * slice itself, and the halves are cut the same way. The newest range (creation HLC, then id) of each
 * slice is its current range if it is open; every other range is superseded, and its holders seal
 * it. So a split is recorded by nothing but the ranges it created, and a newer range of the whole
 * slice (a node that had not heard of the split) undoes it the same way everywhere.
 *
 * <p>Immutable; thread-safe.
 */
public final class PlacementView {
    /**
     * A range as the claims describe it.
     *
     * @param descriptor the range (from the claim of its first holder in id order; all holders
     *     claim the same descriptor)
     * @param holders every node claiming it, in id order
     * @param sealedBy the holders that sealed it
     */
    public record RangeInfo(RangeClaim descriptor, List<NodeId> holders, Set<NodeId> sealedBy) {
        public RangeInfo {
            holders = List.copyOf(holders);
            sealedBy = Set.copyOf(sealedBy);
        }

        public String stream() {
            return descriptor.stream();
        }

        public int rangeId() {
            return descriptor.rangeId();
        }

        /** True while no holder has sealed the range. */
        public boolean open() {
            return sealedBy.isEmpty();
        }
    }

    /**
     * A key slice: hashes in {@code [start, end)} of the key space.
     *
     * @param start first hash, inclusive
     * @param end end, exclusive
     */
    public record Slice(long start, long end) {
        /** True when this slice lies inside {@code other} (or is it). */
        boolean within(Slice other) {
            return start >= other.start && end <= other.end;
        }

        /** The slice of a range. */
        static Slice of(RangeClaim r) {
            return new Slice(r.startHash(), r.endHash());
        }

        /** The lower half; the upper is {@link #upper()}. Only for slices of at least two hashes. */
        public Slice lower() {
            return new Slice(start, start + (end - start) / 2);
        }

        /** The upper half. */
        public Slice upper() {
            return new Slice(start + (end - start) / 2, end);
        }

        /** Whether the slice can be cut in two. */
        public boolean splittable() {
            return end - start >= 2;
        }
    }

    /** Newest first: by creation time, then by id. */
    public static final Comparator<RangeClaim> NEWEST_FIRST = Comparator.comparingLong(RangeClaim::sinceHlc)
            .thenComparingInt(RangeClaim::rangeId)
            .reversed();

    private static final Comparator<NodeId> BY_ID =
            Comparator.comparingLong(NodeId::high).thenComparingLong(NodeId::low);

    private static final PlacementView EMPTY = new PlacementView(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    private final Map<NodeId, MemberEntry> members;
    private final Map<String, StreamClaim> streams;
    private final Map<String, Map<Integer, RangeInfo>> ranges;
    private final Map<String, List<RangeInfo>> current;
    private final Map<String, List<Slice>> slices;

    private PlacementView(
            Map<NodeId, MemberEntry> members,
            Map<String, StreamClaim> streams,
            Map<String, Map<Integer, RangeInfo>> ranges,
            Map<String, List<RangeInfo>> current,
            Map<String, List<Slice>> slices) {
        this.members = members;
        this.streams = streams;
        this.ranges = ranges;
        this.current = current;
        this.slices = slices;
    }

    /** A view of nothing. */
    public static PlacementView empty() {
        return EMPTY;
    }

    /** Builds the view of a cluster state's members and claims. */
    public static PlacementView of(Collection<MemberEntry> memberEntries, Collection<ClaimSet> claimSets) {
        Map<NodeId, MemberEntry> members = new HashMap<>();
        for (MemberEntry m : memberEntries) {
            members.put(m.id(), m);
        }
        Map<String, StreamClaim> streams = new TreeMap<>();
        Map<String, Map<Integer, List<RangeClaim>>> claimsByRange = new TreeMap<>();
        Map<String, Map<Integer, List<NodeId>>> ownersByRange = new TreeMap<>();
        List<ClaimSet> ordered = new ArrayList<>(claimSets);
        ordered.sort(Comparator.comparing(ClaimSet::owner, BY_ID));
        for (ClaimSet set : ordered) {
            for (StreamClaim s : set.streams()) {
                StreamClaim known = streams.get(s.stream());
                if (known == null || s.precedes(known)) {
                    streams.put(s.stream(), s);
                }
            }
            for (RangeClaim r : set.ranges()) {
                claimsByRange
                        .computeIfAbsent(r.stream(), k -> new TreeMap<>())
                        .computeIfAbsent(r.rangeId(), k -> new ArrayList<>())
                        .add(r);
                ownersByRange
                        .computeIfAbsent(r.stream(), k -> new TreeMap<>())
                        .computeIfAbsent(r.rangeId(), k -> new ArrayList<>())
                        .add(set.owner());
            }
        }
        Map<String, Map<Integer, RangeInfo>> ranges = new TreeMap<>();
        Map<String, List<RangeInfo>> current = new TreeMap<>();
        Map<String, List<Slice>> slices = new TreeMap<>();
        for (String stream : streams.keySet()) {
            slices.put(stream, List.of());
        }
        for (String stream : claimsByRange.keySet()) {
            slices.put(stream, List.of());
        }
        for (Map.Entry<String, Map<Integer, List<RangeClaim>>> byStream : claimsByRange.entrySet()) {
            String stream = byStream.getKey();
            Map<Integer, RangeInfo> infos = new TreeMap<>();
            for (Map.Entry<Integer, List<RangeClaim>> byId : byStream.getValue().entrySet()) {
                List<RangeClaim> claims = byId.getValue();
                List<NodeId> owners = ownersByRange.get(stream).get(byId.getKey());
                Set<NodeId> sealedBy = new LinkedHashSet<>();
                for (int i = 0; i < claims.size(); i++) {
                    if (claims.get(i).sealed()) {
                        sealedBy.add(owners.get(i));
                    }
                }
                infos.put(byId.getKey(), new RangeInfo(unsealed(claims.get(0)), owners, sealedBy));
            }
            ranges.put(stream, Collections.unmodifiableMap(infos));
        }
        for (String stream : slices.keySet()) {
            Map<Integer, RangeInfo> infos = ranges.getOrDefault(stream, Map.of());
            StreamClaim definition = streams.get(stream);
            List<Slice> leaves = definition == null
                    ? rangeSlices(infos.values()) // ranges of a stream no node defines: each slice stands alone
                    : slicesOf(definition.initialRanges(), infos.values());
            slices.put(stream, leaves);
            current.put(stream, currentOf(leaves, infos.values()));
        }
        return new PlacementView(
                Collections.unmodifiableMap(members),
                Collections.unmodifiableMap(streams),
                Collections.unmodifiableMap(ranges),
                Collections.unmodifiableMap(current),
                Collections.unmodifiableMap(slices));
    }

    private static RangeClaim unsealed(RangeClaim r) {
        return r.sealed()
                ? new RangeClaim(r.stream(), r.rangeId(), r.startHash(), r.endHash(), r.sinceHlc(), r.replicas(), false)
                : r;
    }

    /** The slices of a stream's key space, by start hash (see the class comment). */
    private static List<Slice> slicesOf(int initialRanges, Collection<RangeInfo> infos) {
        List<Slice> leaves = new ArrayList<>();
        for (int i = 0; i < initialRanges; i++) {
            long[] slice = Placement.slice(i, initialRanges);
            cut(new Slice(slice[0], slice[1]), infos, leaves);
        }
        return List.copyOf(leaves);
    }

    private static List<Slice> rangeSlices(Collection<RangeInfo> infos) {
        Set<Slice> distinct =
                new java.util.TreeSet<>(Comparator.comparingLong(Slice::start).thenComparingLong(Slice::end));
        for (RangeInfo info : infos) {
            distinct.add(Slice.of(info.descriptor()));
        }
        return List.copyOf(distinct);
    }

    private static void cut(Slice slice, Collection<RangeInfo> infos, List<Slice> leaves) {
        if (!slice.splittable()) {
            leaves.add(slice);
            return;
        }
        RangeClaim newest = newestOf(slice, infos);
        Slice lower = slice.lower();
        Slice upper = slice.upper();
        boolean split = false;
        for (RangeInfo info : infos) {
            RangeClaim r = info.descriptor();
            Slice s = Slice.of(r);
            // Only a range inside one half records a split (a range across the middle, from a
            // stream definition with other initial slices, does not).
            if ((s.within(lower) || s.within(upper)) && (newest == null || NEWEST_FIRST.compare(r, newest) < 0)) {
                split = true;
                break;
            }
        }
        if (split) {
            cut(slice.lower(), infos, leaves);
            cut(slice.upper(), infos, leaves);
        } else {
            leaves.add(slice);
        }
    }

    private static RangeClaim newestOf(Slice slice, Collection<RangeInfo> infos) {
        RangeClaim newest = null;
        for (RangeInfo info : infos) {
            RangeClaim r = info.descriptor();
            if (r.startHash() == slice.start()
                    && r.endHash() == slice.end()
                    && (newest == null || NEWEST_FIRST.compare(r, newest) < 0)) {
                newest = r;
            }
        }
        return newest;
    }

    /** For each slice, its newest range when that one is open; by start hash. */
    private static List<RangeInfo> currentOf(List<Slice> slices, Collection<RangeInfo> infos) {
        Map<Slice, RangeInfo> bySlice = new HashMap<>();
        for (RangeInfo info : infos) {
            Slice slice = Slice.of(info.descriptor());
            RangeInfo known = bySlice.get(slice);
            if (known == null || NEWEST_FIRST.compare(info.descriptor(), known.descriptor()) < 0) {
                bySlice.put(slice, info);
            }
        }
        List<RangeInfo> current = new ArrayList<>(slices.size());
        for (Slice slice : slices) {
            RangeInfo newest = bySlice.get(slice);
            if (newest != null && newest.open()) {
                current.add(newest);
            }
        }
        return List.copyOf(current);
    }

    /** A member's entry, or null. */
    public MemberEntry member(NodeId id) {
        return members.get(id);
    }

    /** Every member, tombstones included. */
    public Collection<MemberEntry> members() {
        return members.values();
    }

    /** The definition of a stream, or null when no node knows it. */
    public StreamClaim stream(String name) {
        return streams.get(name);
    }

    /** Every stream's definition, by name. */
    public Map<String, StreamClaim> streams() {
        return streams;
    }

    /** A range, or null. */
    public RangeInfo range(String stream, int rangeId) {
        Map<Integer, RangeInfo> infos = ranges.get(stream);
        return infos == null ? null : infos.get(rangeId);
    }

    /** Every range of a stream, by id (empty when none). */
    public Map<Integer, RangeInfo> ranges(String stream) {
        Map<Integer, RangeInfo> infos = ranges.get(stream);
        return infos == null ? Map.of() : infos;
    }

    /**
     * The slices a stream's key space is cut into now, by start hash: its initial slices, with the
     * splits its ranges record (empty for a stream no node defines).
     */
    public List<Slice> slices(String stream) {
        List<Slice> s = slices.get(stream);
        return s == null ? List.of() : s;
    }

    /** The newest range of exactly this slice, open or sealed, or null. */
    public RangeClaim newestOf(String stream, Slice slice) {
        return newestOf(slice, ranges(stream).values());
    }

    /** The ranges of a stream that take new writes, by start hash. */
    public List<RangeInfo> current(String stream) {
        List<RangeInfo> infos = current.get(stream);
        return infos == null ? List.of() : infos;
    }

    /** True when {@code range} is one of its stream's current ranges. */
    public boolean isCurrent(RangeInfo range) {
        return current(range.stream()).contains(range);
    }

    /**
     * The newest open range of exactly this key slice, or null: the one writes to the slice
     * should go to.
     */
    public RangeInfo currentFor(String stream, long startHash, long endHash) {
        for (RangeInfo info : current(stream)) {
            if (info.descriptor().startHash() == startHash && info.descriptor().endHash() == endHash) {
                return info;
            }
        }
        return null;
    }
}
