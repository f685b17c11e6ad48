package io.scalesmall.server.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.NodeMetadata;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.PlacementView.RangeInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PlacerTest {
    /** A tiny world: members and every node's claims, with each node deciding in turn. */
    private static final class World {
        final Map<NodeId, MemberEntry> members = new LinkedHashMap<>();
        final Map<NodeId, ClaimSet> claims = new LinkedHashMap<>();
        long hlc = 1_000;
        long nowMs = 0;
        long restoreDelayMs = Long.MAX_VALUE;
        long recheckAtMs = Long.MAX_VALUE;
        /** Ranges every node would split, as "stream/rangeId". */
        final Set<String> splitWanted = new HashSet<>();

        int maxRangesPerStream = 64;

        NodeId add(int n, long diskBytes) {
            NodeId id = new NodeId(n * 0x1000_0000_0000L + 7, n);
            Endpoint e = new Endpoint("10.0.0." + n, 7000);
            members.put(id, new MemberEntry(id, 1, MemberStatus.ALIVE, 0, new NodeMetadata(e, e, diskBytes, 1, 2, "")));
            claims.put(id, ClaimSet.empty(id));
            return id;
        }

        void drain(NodeId id) {
            MemberEntry m = members.get(id);
            members.put(
                    id,
                    new MemberEntry(
                            id,
                            m.incarnation() + 1,
                            m.status(),
                            nowMs,
                            m.metadata().asDraining()));
        }

        void kill(NodeId id) {
            MemberEntry m = members.get(id);
            members.put(id, m.withStatus(MemberStatus.DEAD, nowMs));
        }

        void createStream(NodeId on, String name, int replicationFactor, int ranges) {
            ClaimSet c = claims.get(on);
            List<StreamClaim> streams = new ArrayList<>(c.streams());
            streams.add(new StreamClaim(name, replicationFactor, -1, -1, ranges, hlc++));
            claims.put(on, new ClaimSet(on, c.counter() + 1, streams, c.ranges()));
        }

        PlacementView view() {
            return PlacementView.of(members.values(), claims.values());
        }

        /** One decision by {@code node} on the current view; true when its claims changed. */
        boolean step(NodeId node) {
            ClaimSet c = claims.get(node);
            Placer.Decision d = Placer.decide(
                    view(),
                    node,
                    c.streams(),
                    c.ranges(),
                    hlc++,
                    c.counter(),
                    nowMs,
                    restoreDelayMs,
                    r -> splitWanted.contains(r.stream() + "/" + r.rangeId()),
                    maxRangesPerStream);
            recheckAtMs = Math.min(recheckAtMs, d.recheckAtMs());
            if (!d.changed()) {
                return false;
            }
            claims.put(node, new ClaimSet(node, c.counter() + 1, d.streams(), d.ranges()));
            return true;
        }

        /** Lets every live node decide until nobody changes anything. */
        int settle() {
            for (int round = 0; round < 20; round++) {
                boolean any = false;
                for (NodeId id : members.keySet()) {
                    if (members.get(id).status() == MemberStatus.ALIVE) {
                        any |= step(id);
                    }
                }
                if (!any) {
                    return round;
                }
            }
            throw new AssertionError("placement did not settle in 20 rounds");
        }

        Set<Integer> held(NodeId node, String stream) {
            Set<Integer> ids = new HashSet<>();
            for (RangeClaim r : claims.get(node).ranges()) {
                if (r.stream().equals(stream)) {
                    ids.add(r.rangeId());
                }
            }
            return ids;
        }
    }

    private static List<NodeId> liveIds(World w) {
        return w.members.values().stream()
                .filter(m -> m.status() == MemberStatus.ALIVE)
                .map(MemberEntry::id)
                .toList();
    }

    private static void assertEverySliceHasOneCurrentRangeOnItsTarget(World w, String stream, int slices, int rf) {
        PlacementView view = w.view();
        List<RangeInfo> current = view.current(stream);
        assertThat(current).hasSize(slices);
        List<Placement.Candidate> candidates = Placer.candidates(view);
        for (int i = 0; i < slices; i++) {
            long[] slice = Placement.slice(i, slices);
            RangeInfo r = view.currentFor(stream, slice[0], slice[1]);
            assertThat(r).as("current range of slice %d", i).isNotNull();
            assertThat(new HashSet<>(r.descriptor().replicas()))
                    .isEqualTo(new HashSet<>(Placement.targetReplicas(stream, slice[0], slice[1], rf, candidates)));
            assertThat(new HashSet<>(r.holders()))
                    .isEqualTo(new HashSet<>(r.descriptor().replicas()));
        }
    }

    @Test
    void threeNodesSettleOnOneCurrentRangePerSliceHeldByItsReplicas() {
        World w = new World();
        NodeId a = w.add(1, 100);
        w.add(2, 100);
        w.add(3, 100);
        w.createStream(a, "orders", 3, 4);

        w.settle();

        assertEverySliceHasOneCurrentRangeOnItsTarget(w, "orders", 4, 3);
        for (NodeId id : liveIds(w)) {
            assertThat(w.held(id, "orders")).hasSize(4);
            assertThat(w.claims.get(id).streams())
                    .extracting(StreamClaim::stream)
                    .containsExactly("orders");
        }
    }

    @Test
    void aJoiningNodeGetsNewRangesForNewWritesAndHoldsNoOldOne() {
        World w = new World();
        NodeId a = w.add(1, 100);
        w.add(2, 100);
        w.add(3, 100);
        w.restoreDelayMs = 0; // a join loses no copy, so even an eager restore copies nothing
        w.createStream(a, "orders", 2, 16);
        w.settle();
        Map<Integer, RangeInfo> before = new LinkedHashMap<>(w.view().ranges("orders"));

        NodeId d = w.add(4, 100);
        w.settle();

        assertEverySliceHasOneCurrentRangeOnItsTarget(w, "orders", 16, 2);
        PlacementView view = w.view();
        assertThat(w.held(d, "orders")).isNotEmpty().doesNotContainAnyElementsOf(before.keySet());
        for (RangeInfo old : before.values()) {
            RangeInfo now = view.range("orders", old.rangeId());
            if (view.isCurrent(now)) {
                assertThat(now.descriptor().replicas()).doesNotContain(d);
            } else {
                // Superseded: sealed by every holder, still held (its data stays where it was).
                assertThat(now.sealedBy()).containsExactlyInAnyOrderElementsOf(now.holders());
                assertThat(now.holders()).containsExactlyInAnyOrderElementsOf(old.holders());
            }
        }
        assertThat(view.current("orders"))
                .anyMatch(r -> r.descriptor().replicas().contains(d));
    }

    @Test
    void aDeadReplicaIsReplacedForNewWritesWhileItsRangesStaySealedForReaders() {
        World w = new World();
        NodeId a = w.add(1, 100);
        NodeId b = w.add(2, 100);
        NodeId c = w.add(3, 100);
        NodeId d = w.add(4, 100);
        w.createStream(a, "orders", 3, 8);
        w.settle();

        w.kill(c);
        w.settle();

        assertEverySliceHasOneCurrentRangeOnItsTarget(w, "orders", 8, 3);
        PlacementView view = w.view();
        for (RangeInfo r : view.current("orders")) {
            assertThat(r.descriptor().replicas()).doesNotContain(c).hasSize(3);
        }
        for (RangeInfo r : view.ranges("orders").values()) {
            if (r.holders().contains(c)) {
                // Live holders sealed it; the dead node's claim stays as it was.
                assertThat(r.sealedBy())
                        .containsAll(
                                r.holders().stream().filter(h -> !h.equals(c)).toList());
            }
        }
        assertThat(List.of(a, b, d))
                .allSatisfy(id -> assertThat(w.held(id, "orders")).hasSizeGreaterThan(8));
    }

    @Test
    void theCopiesADeadNodeHeldAreMadeAgainOnceEachAfterTheRestoreDelay() {
        World w = new World();
        NodeId a = w.add(1, 100);
        w.add(2, 100);
        w.add(3, 100);
        w.add(4, 100);
        NodeId e = w.add(5, 100);
        w.createStream(a, "orders", 3, 10);
        w.settle();
        Map<Integer, RangeInfo> before = new LinkedHashMap<>(w.view().ranges("orders"));
        w.restoreDelayMs = 60_000;
        w.nowMs = 5_000;

        w.kill(e);
        w.nowMs = 6_000;
        w.settle();

        for (RangeInfo old : before.values()) {
            assertThat(w.view().range("orders", old.rangeId()).holders())
                    .as("within the restore delay nothing is copied")
                    .containsExactlyInAnyOrderElementsOf(old.holders());
        }
        assertThat(w.recheckAtMs).isEqualTo(65_000);

        w.nowMs = 65_000;
        w.settle();

        PlacementView view = w.view();
        for (RangeInfo old : before.values()) {
            RangeInfo now = view.range("orders", old.rangeId());
            List<NodeId> live = now.holders().stream().filter(h -> !h.equals(e)).toList();
            if (old.holders().contains(e)) {
                assertThat(live)
                        .as("live holders of a range the dead node held")
                        .hasSize(3);
                assertThat(now.sealedBy()).containsAll(live);
            } else {
                assertThat(now.holders()).containsExactlyInAnyOrderElementsOf(old.holders());
            }
        }
        // The copies spread over the survivors rather than landing on one node.
        Map<NodeId, Integer> copiesPerNode = new LinkedHashMap<>();
        for (RangeInfo old : before.values()) {
            for (NodeId h : view.range("orders", old.rangeId()).holders()) {
                if (!old.holders().contains(h)) {
                    copiesPerNode.merge(h, 1, Integer::sum);
                }
            }
        }
        assertThat(copiesPerNode.keySet()).hasSizeGreaterThan(1);
        assertThat(w.settle()).as("nothing more to do").isZero();
    }

    @Test
    void aDrainingNodeGetsNoNewRangeAndItsCopiesAreMadeAtOnce() {
        World w = new World();
        NodeId a = w.add(1, 100);
        w.add(2, 100);
        w.add(3, 100);
        NodeId d = w.add(4, 100);
        w.createStream(a, "orders", 2, 8);
        w.settle();
        Map<Integer, RangeInfo> before = new LinkedHashMap<>(w.view().ranges("orders"));
        w.restoreDelayMs = 60_000; // a drain does not wait for it

        w.drain(d);
        w.settle();

        PlacementView view = w.view();
        for (RangeInfo r : view.current("orders")) {
            assertThat(r.descriptor().replicas()).doesNotContain(d);
        }
        for (RangeInfo old : before.values()) {
            if (old.holders().contains(d)) {
                RangeInfo now = view.range("orders", old.rangeId());
                assertThat(now.holders().stream().filter(h -> !h.equals(d)))
                        .as("holders besides the draining node")
                        .hasSize(2);
            }
        }
    }

    @Test
    void capacitiesOneTwoFourGiveFirstReplicasOneTwoFour() {
        World w = new World();
        NodeId small = w.add(1, 100);
        NodeId medium = w.add(2, 200);
        NodeId large = w.add(3, 400);
        w.createStream(small, "s", 1, 2048);

        w.settle();

        double unit = 2048 / 7.0;
        assertThat(w.held(small, "s").size()).isBetween((int) (unit * 0.9), (int) (unit * 1.1));
        assertThat(w.held(medium, "s").size()).isBetween((int) (2 * unit * 0.9), (int) (2 * unit * 1.1));
        assertThat(w.held(large, "s").size()).isBetween((int) (4 * unit * 0.9), (int) (4 * unit * 1.1));
    }

    @Test
    void twoCreatorsOfOneSliceSettleOnTheNewestRange() {
        World w = new World();
        NodeId a = w.add(1, 100);
        NodeId b = w.add(2, 100);
        w.createStream(a, "x", 2, 1);
        w.settle();
        RangeInfo first = w.view().current("x").get(0);
        // Both nodes create a range for the same slice, as two nodes that disagree would.
        NodeId creator = first.descriptor().replicas().get(0);
        NodeId other = creator.equals(a) ? b : a;
        ClaimSet c = w.claims.get(other);
        List<RangeClaim> ranges = new ArrayList<>(c.ranges());
        ranges.add(new RangeClaim("x", 999, 0, 1L << 32, w.hlc++, List.of(other, creator), false));
        w.claims.put(other, new ClaimSet(other, c.counter() + 1, c.streams(), ranges));

        w.settle();

        PlacementView view = w.view();
        assertThat(view.current("x")).hasSize(1);
        RangeInfo winner = view.current("x").get(0);
        assertThat(winner.holders()).containsExactlyInAnyOrder(a, b);
        assertThat(view.ranges("x").values())
                .filteredOn(r -> r != winner)
                .allSatisfy(r -> assertThat(r.open()).isFalse());
    }

    @Test
    void theSameStateGivesTheSameDecision() {
        World w = new World();
        NodeId a = w.add(1, 100);
        w.add(2, 300);
        w.createStream(a, "orders", 2, 8);
        PlacementView view = w.view();
        ClaimSet c = w.claims.get(a);

        Placer.Decision one =
                Placer.decide(view, a, c.streams(), c.ranges(), 5_000, 3, 0, Long.MAX_VALUE, r -> false, 64);
        Placer.Decision two =
                Placer.decide(w.view(), a, c.streams(), c.ranges(), 5_000, 3, 0, Long.MAX_VALUE, r -> false, 64);

        assertThat(one).isEqualTo(two);
        assertThat(one.created()).isNotEmpty();
    }

    @Test
    void aHotRangeSplitsOnceIntoTwoHalvesThatTakeItsNewWrites() {
        World w = new World();
        NodeId a = w.add(1, 100);
        NodeId b = w.add(2, 100);
        NodeId c = w.add(3, 100);
        w.createStream(a, "hot", 3, 2);
        w.settle();
        RangeInfo parent = w.view().current("hot").get(0);
        PlacementView.Slice whole = new PlacementView.Slice(
                parent.descriptor().startHash(), parent.descriptor().endHash());

        // Every holder measures the range hot; only its first live replica splits it.
        w.splitWanted.add("hot/" + parent.rangeId());
        w.settle();

        PlacementView view = w.view();
        assertThat(view.slices("hot")).hasSize(3).contains(whole.lower(), whole.upper());
        assertThat(view.ranges("hot")).hasSize(4);
        List<RangeInfo> halves = view.current("hot").stream()
                .filter(r -> r.descriptor().startHash() >= whole.start()
                        && r.descriptor().endHash() <= whole.end())
                .toList();
        List<Placement.Candidate> candidates = Placer.candidates(view);
        assertThat(halves).hasSize(2).allSatisfy(h -> {
            RangeClaim d = h.descriptor();
            assertThat(d.sinceHlc()).isGreaterThan(parent.descriptor().sinceHlc());
            assertThat(h.holders()).containsExactlyInAnyOrder(a, b, c);
            assertThat(d.replicas())
                    .as("a half's replicas in its own target order, so coordinators spread")
                    .isEqualTo(Placement.targetReplicas("hot", d.startHash(), d.endHash(), 3, candidates));
        });
        RangeInfo sealedParent = view.range("hot", parent.rangeId());
        assertThat(sealedParent.sealedBy()).containsExactlyInAnyOrder(a, b, c);
        assertThat(view.isCurrent(sealedParent)).isFalse();
    }

    @Test
    void theHalvesOfASplitGetTheirOwnTargetReplicas() {
        World w = new World();
        NodeId first = w.add(1, 100);
        for (int n = 2; n <= 6; n++) {
            w.add(n, 100);
        }
        w.createStream(first, "wide", 2, 1);
        w.settle();
        RangeInfo parent = w.view().current("wide").get(0);

        w.splitWanted.add("wide/" + parent.rangeId());
        w.settle();

        PlacementView view = w.view();
        List<Placement.Candidate> candidates = Placer.candidates(view);
        assertThat(view.slices("wide")).hasSize(2);
        assertThat(view.current("wide")).hasSize(2);
        for (RangeInfo half : view.current("wide")) {
            RangeClaim d = half.descriptor();
            assertThat(new HashSet<>(d.replicas()))
                    .isEqualTo(
                            new HashSet<>(Placement.targetReplicas("wide", d.startHash(), d.endHash(), 2, candidates)));
            assertThat(new HashSet<>(half.holders())).isEqualTo(new HashSet<>(d.replicas()));
        }
    }

    @Test
    void noSplitOnceAStreamHasItsLimitOfRanges() {
        World w = new World();
        NodeId a = w.add(1, 100);
        w.add(2, 100);
        w.createStream(a, "capped", 2, 2);
        w.maxRangesPerStream = 2;
        w.settle();
        for (RangeInfo r : w.view().current("capped")) {
            w.splitWanted.add("capped/" + r.rangeId());
        }

        w.settle();

        assertThat(w.view().ranges("capped")).hasSize(2);
        assertThat(w.view().current("capped")).hasSize(2);
    }

    @Test
    void aNewerRangeOfTheWholeSliceUndoesASplitEverywhere() {
        World w = new World();
        NodeId a = w.add(1, 100);
        NodeId b = w.add(2, 100);
        w.createStream(a, "u", 2, 1);
        w.settle();
        RangeInfo parent = w.view().current("u").get(0);
        w.splitWanted.add("u/" + parent.rangeId());
        w.settle();
        assertThat(w.view().slices("u")).hasSize(2);

        // A node that had not heard of the split creates a newer range of the whole key space.
        ClaimSet claims = w.claims.get(b);
        List<RangeClaim> ranges = new ArrayList<>(claims.ranges());
        ranges.add(new RangeClaim("u", 4242, 0, 1L << 32, w.hlc++, List.of(b, a), false));
        w.claims.put(b, new ClaimSet(b, claims.counter() + 1, claims.streams(), ranges));
        w.settle();

        PlacementView view = w.view();
        assertThat(view.slices("u")).containsExactly(new PlacementView.Slice(0, 1L << 32));
        assertThat(view.current("u")).hasSize(1);
        assertThat(view.current("u").get(0).descriptor().sinceHlc())
                .isGreaterThan(parent.descriptor().sinceHlc());
        assertThat(view.ranges("u").values())
                .filteredOn(r -> !view.isCurrent(r))
                .hasSize(3)
                .allSatisfy(r -> assertThat(r.open()).isFalse());
    }

    @Property(tries = 60)
    void splitsLeaveSlicesThatCoverTheKeySpaceOnceEachWithOneCurrentRange(
            @ForAll @IntRange(min = 1, max = 4) int initialRanges,
            @ForAll @IntRange(min = 1, max = 10) int splits,
            @ForAll @IntRange(min = 2, max = 5) int nodes,
            @ForAll long seed) {
        World w = new World();
        NodeId first = w.add(1, 100);
        for (int n = 2; n <= nodes; n++) {
            w.add(n, 100 * n);
        }
        w.createStream(first, "p", 2, initialRanges);
        w.settle();
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < splits; i++) {
            List<RangeInfo> current = w.view().current("p");
            w.splitWanted.add("p/" + current.get(random.nextInt(current.size())).rangeId());
            w.settle();
        }

        PlacementView view = w.view();
        List<PlacementView.Slice> slices = view.slices("p");
        assertThat(slices).hasSize(initialRanges + splits);
        long next = 0;
        for (PlacementView.Slice slice : slices) {
            assertThat(slice.start()).as("slices are contiguous").isEqualTo(next);
            next = slice.end();
        }
        assertThat(next).isEqualTo(RangeClaim.KEY_SPACE);
        List<RangeInfo> current = view.current("p");
        assertThat(current).hasSize(slices.size());
        for (int i = 0; i < slices.size(); i++) {
            RangeClaim d = current.get(i).descriptor();
            assertThat(new PlacementView.Slice(d.startHash(), d.endHash())).isEqualTo(slices.get(i));
        }
        for (RangeInfo r : view.ranges("p").values()) {
            if (!view.isCurrent(r)) {
                assertThat(r.sealedBy())
                        .as("a replaced range is sealed by all its holders")
                        .containsAll(r.holders());
            }
        }
    }
}
