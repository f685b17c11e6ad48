package io.scalesmall.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.cluster.ClusterMessage.Broadcast;
import io.scalesmall.server.cluster.TestCluster.TestNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterProtocolTest {
    private static final ClusterConfig CONFIG = ClusterConfig.defaults();

    private static TestCluster formed(int size, long seed) {
        TestCluster cluster = new TestCluster(CONFIG, seed);
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(cluster.add(i));
        }
        nodes.get(0).start(List.of());
        for (int i = 1; i < size; i++) {
            nodes.get(i).start(List.of(nodes.get(0).endpoint));
        }
        cluster.runUntil(() -> everyoneSees(cluster, MemberStatus.ALIVE), 10_000);
        return cluster;
    }

    private static boolean everyoneSees(TestCluster cluster, MemberStatus status) {
        for (TestNode viewer : cluster.nodes()) {
            if (!viewer.up) {
                continue;
            }
            for (TestNode member : cluster.nodes()) {
                if (member.up && viewer.statusOf(member) != status) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean everyLiveNodeSees(TestCluster cluster, TestNode member, MemberStatus status) {
        return cluster.nodes().stream()
                .filter(viewer -> viewer.up && viewer != member)
                .allMatch(viewer -> viewer.statusOf(member) == status);
    }

    @Test
    void nodesJoiningThroughOneSeedAllSeeEachOtherAlive() {
        TestCluster cluster = formed(5, 1);

        for (TestNode viewer : cluster.nodes()) {
            assertThat(viewer.protocol.state().liveCount()).isEqualTo(5);
            assertThat(viewer.protocol.joined()).isTrue();
        }
    }

    @Test
    void aCrashedNodeIsDeclaredDeadEverywhere() {
        TestCluster cluster = formed(5, 2);
        TestNode victim = cluster.nodes().get(3);

        victim.crash();
        long tookMs = cluster.runUntil(() -> everyLiveNodeSees(cluster, victim, MemberStatus.DEAD), 30_000);

        assertThat(tookMs).isLessThan(15_000);
        assertThat(cluster.nodes().stream().filter(n -> n.up))
                .allSatisfy(viewer ->
                        assertThat(viewer.protocol.state().liveCount()).isEqualTo(4));
    }

    @Test
    void aRestartedNodeComesBackAliveWithAHigherIncarnation() {
        TestCluster cluster = formed(4, 3);
        TestNode victim = cluster.nodes().get(2);
        long before = victim.incarnation;
        victim.crash();
        cluster.runUntil(() -> everyLiveNodeSees(cluster, victim, MemberStatus.DEAD), 30_000);

        victim.start(List.of(cluster.nodes().get(0).endpoint));
        cluster.runUntil(() -> everyoneSees(cluster, MemberStatus.ALIVE), 10_000);

        for (TestNode viewer : cluster.nodes()) {
            assertThat(viewer.entryOf(victim).incarnation()).isGreaterThan(before);
        }
    }

    @Test
    void aSuspectThatComesBackInTimeRefutesAndIsNeverDead() {
        TestCluster cluster = formed(5, 4);
        TestNode flaky = cluster.nodes().get(1);
        long before = flaky.incarnation;
        List<MemberStatus> seen = new ArrayList<>();

        cluster.cutOff(flaky, true);
        cluster.runUntil(
                () -> cluster.nodes().stream()
                        .filter(viewer -> viewer != flaky)
                        .anyMatch(viewer -> viewer.statusOf(flaky) == MemberStatus.SUSPECT),
                20_000);
        cluster.cutOff(flaky, false);
        cluster.runUntil(
                () -> {
                    cluster.nodes().forEach(viewer -> seen.add(viewer.statusOf(flaky)));
                    return everyoneSees(cluster, MemberStatus.ALIVE) && flaky.incarnation > before;
                },
                20_000);

        assertThat(seen).doesNotContain(MemberStatus.DEAD);
        assertThat(flaky.protocol.counters().refutations()).isPositive();
    }

    @Test
    void aGracefulLeaveShowsLeftNotDead() {
        TestCluster cluster = formed(5, 5);
        TestNode leaver = cluster.nodes().get(4);

        leaver.protocol.leave(cluster.now());
        cluster.runUntil(() -> leaver.protocol.leaveDone(), 5_000);
        leaver.crash();
        cluster.runUntil(() -> everyLiveNodeSees(cluster, leaver, MemberStatus.LEFT), 5_000);
        cluster.runFor(30_000);

        assertThat(everyLiveNodeSees(cluster, leaver, MemberStatus.LEFT)).isTrue();
    }

    @Test
    void aNodeThatLeavesBeforeItsJoinIsAnsweredStillShowsLeft() {
        TestCluster cluster = formed(3, 9);
        TestNode late = cluster.add(3);
        late.start(List.of(cluster.nodes().get(0).endpoint));

        late.protocol.leave(cluster.now());
        cluster.runUntil(() -> late.protocol.leaveDone(), 5_000);
        late.crash();
        cluster.runUntil(() -> everyLiveNodeSees(cluster, late, MemberStatus.LEFT), 5_000);
    }

    @Test
    void aBroadcastReachesEveryNodeWithOneHandOffEachInLogarithmicHops() {
        TestCluster cluster = formed(64, 6);
        TestNode origin = cluster.nodes().get(10);
        cluster.runFor(2_000);
        int before = cluster.delivered.size();

        origin.protocol.updateMetadata(
                cluster.now(),
                new NodeMetadata(
                        origin.endpoint, new io.scalesmall.server.cluster.Endpoint("10.9.9.9", 9000), 1, 1, 1, "z"));
        cluster.runUntil(
                () -> cluster.nodes().stream()
                        .allMatch(viewer ->
                                viewer.entryOf(origin).metadata().zone().equals("z")),
                2_000);

        List<Broadcast> handOffs = cluster.delivered.subList(before, cluster.delivered.size()).stream()
                .filter(Broadcast.class::isInstance)
                .map(Broadcast.class::cast)
                .collect(Collectors.toList());
        assertThat(handOffs).hasSize(63);
        assertThat(handOffs.stream().mapToInt(Broadcast::hops).max().orElseThrow())
                .isLessThanOrEqualTo(7);
    }

    @Test
    void aBroadcastReachesEveryNodeDespiteLostHandOffsAndAcksWithoutAntiEntropy() {
        TestCluster cluster = new TestCluster(CONFIG.withProbing(1_000, 500, 3_600_000), 11);
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            nodes.add(cluster.add(i));
        }
        nodes.get(0).start(List.of());
        for (int i = 1; i < nodes.size(); i++) {
            // One at a time: with anti-entropy off, only the broadcast spreads a join.
            TestNode joining = nodes.get(i);
            joining.start(List.of(nodes.get(0).endpoint));
            cluster.runUntil(() -> everyoneSees(cluster, MemberStatus.ALIVE), 5_000);
        }
        java.util.SplittableRandom loss = new java.util.SplittableRandom(5);
        cluster.drop((to, message) -> (message instanceof Broadcast || message instanceof ClusterMessage.BroadcastAck)
                && loss.nextDouble() < 0.2);
        TestNode origin = nodes.get(7);

        origin.protocol.updateMetadata(
                cluster.now(), new NodeMetadata(origin.endpoint, new Endpoint("10.9.9.9", 9000), 1, 1, 1, "z"));
        cluster.runFor(3_000);

        assertThat(nodes)
                .allSatisfy(
                        viewer -> assertThat(viewer.entryOf(origin).metadata().zone())
                                .as("zone of %s seen by %s", origin.endpoint, viewer.endpoint)
                                .isEqualTo("z"));
    }

    @Test
    void antiEntropyRepairsANodeThatMissedEveryBroadcast() {
        TestCluster cluster = formed(8, 7);
        TestNode deaf = cluster.nodes().get(5);
        TestNode origin = cluster.nodes().get(2);
        cluster.drop((to, message) -> to.equals(deaf.endpoint) && message instanceof Broadcast);

        origin.protocol.updateClaims(cluster.now(), List.of(), List.of(TestClaims.range("orders", 0, 1L << 31)));
        cluster.runUntil(
                () -> deaf.protocol.state().claims(origin.id) != null
                        && deaf.protocol.state().digest()
                                == origin.protocol.state().digest(),
                10_000);

        assertThat(deaf.protocol.state().claims(origin.id).ranges())
                .containsExactly(TestClaims.range("orders", 0, 1L << 31));
        assertThat(deaf.protocol.state()).isEqualTo(origin.protocol.state());
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        TestCluster first = formed(16, 8);
        first.runFor(20_000);
        TestCluster second = formed(16, 8);
        second.runFor(20_000);

        assertThat(second.delivered.size()).isEqualTo(first.delivered.size());
        assertThat(second.delivered.toString()).isEqualTo(first.delivered.toString());
    }

    @Test
    void aMulticastFirstHopTeachesEveryNodeAtOnceWithoutAcksOrRelays() {
        TestCluster cluster = formed(20, 11);
        cluster.runFor(3_000);
        cluster.multicast(true);
        // Tree hand-offs are all lost: only the multicast copy can spread the news quickly.
        cluster.drop((to, message) -> message instanceof Broadcast && !to.equals(TestCluster.MULTICAST_GROUP));
        TestNode changed = cluster.nodes().get(7);
        cluster.delivered.clear();

        changed.protocol.updateMetadata(cluster.now(), changed.protocol.self().metadata());
        long expected = changed.protocol.self().incarnation();
        long tookMs = cluster.runUntil(
                () -> cluster.nodes().stream()
                        .allMatch(viewer -> viewer.entryOf(changed).incarnation() == expected),
                100);

        assertThat(tookMs).isLessThanOrEqualTo(2);
        assertThat(changed.protocol.counters().multicastsSent()).isEqualTo(1);
        assertThat(cluster.nodes().stream().filter(n -> n != changed))
                .allSatisfy(n ->
                        assertThat(n.protocol.counters().multicastsReceived()).isEqualTo(1));
        List<Long> multicastIds = cluster.delivered.stream()
                .filter(m -> m instanceof Broadcast)
                .map(m -> ((Broadcast) m).broadcastId())
                .distinct()
                .toList();
        assertThat(multicastIds).hasSize(1);
        assertThat(cluster.delivered)
                .noneMatch(
                        m -> m instanceof ClusterMessage.BroadcastAck ack && ack.broadcastId() == multicastIds.get(0));
    }

    @Test
    void withoutMulticastLostHandOffsLeaveTheNewsToAntiEntropy() {
        TestCluster cluster = formed(20, 11);
        cluster.drop((to, message) -> message instanceof Broadcast);
        TestNode changed = cluster.nodes().get(7);

        changed.protocol.updateMetadata(cluster.now(), changed.protocol.self().metadata());
        long expected = changed.protocol.self().incarnation();
        cluster.runFor(20);

        assertThat(cluster.nodes().stream().filter(n -> n != changed))
                .allSatisfy(viewer ->
                        assertThat(viewer.entryOf(changed).incarnation()).isLessThan(expected));
    }
}
