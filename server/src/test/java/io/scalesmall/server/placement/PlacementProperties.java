package io.scalesmall.server.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.placement.Placement.Candidate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PlacementProperties {
    @Provide
    Arbitrary<List<Candidate>> candidates() {
        Arbitrary<Candidate> one = Combinators.combine(
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        Arbitraries.doubles().between(1, 1e12),
                        Arbitraries.of("", "", "a", "b", "c"))
                .as((hi, lo, w, zone) -> new Candidate(new NodeId(hi, lo), w, zone));
        return one.list().ofMinSize(1).ofMaxSize(12).uniqueElements(Candidate::id);
    }

    @Property
    void everyNodeComputesTheSamePlacementWhateverOrderItKnowsTheNodesIn(
            @ForAll("candidates") List<Candidate> candidates,
            @ForAll @IntRange(min = 1, max = 5) int replicationFactor,
            @ForAll long seed) {
        List<Candidate> shuffled = new ArrayList<>(candidates);
        Collections.shuffle(shuffled, new Random(seed));

        assertThat(Placement.targetReplicas("orders", 0, 1L << 31, replicationFactor, shuffled))
                .isEqualTo(Placement.targetReplicas("orders", 0, 1L << 31, replicationFactor, candidates));
    }

    @Property
    void replicasAreDistinctAndAsManyAsTheFactorAllows(
            @ForAll("candidates") List<Candidate> candidates,
            @ForAll @IntRange(min = 1, max = 5) int replicationFactor) {
        List<NodeId> replicas = Placement.targetReplicas("s", 100, 200, replicationFactor, candidates);

        assertThat(replicas).doesNotHaveDuplicates().hasSize(Math.min(replicationFactor, candidates.size()));
        assertThat(candidates.stream().map(Candidate::id).toList()).containsAll(replicas);
    }

    @Property
    void replicasSpreadOverZonesWhenThereAreEnough(
            @ForAll("candidates") List<Candidate> candidates,
            @ForAll @IntRange(min = 1, max = 3) int replicationFactor) {
        List<NodeId> replicas = Placement.targetReplicas("z", 0, 1L << 32, replicationFactor, candidates);
        Map<NodeId, String> zoneOf = new HashMap<>();
        candidates.forEach(c -> zoneOf.put(c.id(), c.zone()));
        long zones = candidates.stream().map(Candidate::zone).distinct().count();

        long zonesUsed = replicas.stream().map(zoneOf::get).distinct().count();
        assertThat(zonesUsed).isEqualTo(Math.min(zones, replicas.size()));
    }

    @Property
    void aJoiningNodeOnlyTakesSlicesNeverReshufflesTheOthers(
            @ForAll("candidates") List<Candidate> candidates, @ForAll long joinerHigh) {
        List<Candidate> plain = candidates.stream()
                .map(c -> new Candidate(c.id(), c.weight(), ""))
                .toList();
        Candidate joiner = new Candidate(new NodeId(joinerHigh, 42), 1e9, "");
        if (plain.stream().anyMatch(c -> c.id().equals(joiner.id()))) {
            return;
        }
        List<Candidate> after = new ArrayList<>(plain);
        after.add(joiner);
        for (int i = 0; i < 64; i++) {
            long[] slice = Placement.slice(i, 64);
            List<NodeId> before = Placement.targetReplicas("j", slice[0], slice[1], 3, plain);
            List<NodeId> now = Placement.targetReplicas("j", slice[0], slice[1], 3, after);
            List<NodeId> kept = new ArrayList<>(now);
            kept.remove(joiner.id());
            // The others keep their relative order; at most the last of them makes room.
            assertThat(before).startsWith(kept.toArray(NodeId[]::new));
        }
    }

    @Test
    void slicesSplitInProportionToCapacity() {
        List<Candidate> nodes = List.of(
                new Candidate(new NodeId(1, 1), 100e9, ""),
                new Candidate(new NodeId(2, 2), 200e9, ""),
                new Candidate(new NodeId(3, 3), 400e9, ""));
        Map<NodeId, Integer> won = new HashMap<>();
        int slices = 4096;
        for (int i = 0; i < slices; i++) {
            long[] slice = Placement.slice(i, slices);
            won.merge(
                    Placement.targetReplicas("orders", slice[0], slice[1], 1, nodes)
                            .get(0),
                    1,
                    Integer::sum);
        }

        double unit = slices / 7.0;
        assertThat(won.get(new NodeId(1, 1))).isBetween((int) (unit * 0.9), (int) (unit * 1.1));
        assertThat(won.get(new NodeId(2, 2))).isBetween((int) (2 * unit * 0.9), (int) (2 * unit * 1.1));
        assertThat(won.get(new NodeId(3, 3))).isBetween((int) (4 * unit * 0.9), (int) (4 * unit * 1.1));
    }

    @Test
    void slicesTileTheKeySpace() {
        for (int count : new int[] {1, 3, 7, 4096}) {
            long expectedStart = 0;
            for (int i = 0; i < count; i++) {
                long[] slice = Placement.slice(i, count);
                assertThat(slice[0]).isEqualTo(expectedStart);
                assertThat(slice[1]).isGreaterThan(slice[0]);
                expectedStart = slice[1];
            }
            assertThat(expectedStart).isEqualTo(1L << 32);
        }
        assertThat(new HashSet<>(List.of(Placement.slice(0, 2)[1]))).containsExactly(1L << 31);
    }
}
