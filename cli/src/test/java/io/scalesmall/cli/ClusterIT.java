package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MembersResponse.Member;
import io.scalesmall.protocol.NodeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster plane with real node processes on 127.0.0.2 and up: they converge, a SIGKILLed node
 * becomes DEAD and comes back ALIVE under a higher incarnation, a SIGSTOPped one is declared DEAD
 * and rejoins after SIGCONT, a SIGTERMed one is LEFT, and a node with another cluster key never
 * gets in. Default protocol timings, as an operator would run them.
 */
@Tag("cluster")
class ClusterIT {
    @TempDir
    Path dir;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<Integer> clusterPorts = new ArrayList<>();

    @AfterEach
    void stopAll() {
        nodes.forEach(NodeProcess::close);
    }

    private NodeProcess node(int index, Path keyFile, String... join) throws Exception {
        int clusterPort = NodeProcess.freePort();
        List<String> args = new ArrayList<>(
                List.of("--cluster-port", Integer.toString(clusterPort), "--cluster-key-file", keyFile.toString()));
        if (join.length > 0) {
            args.add("--join");
            args.add(String.join(",", join));
        }
        NodeProcess node = new NodeProcess(
                dir.resolve("node-" + index),
                "127.0.0." + (index + 2),
                NodeProcess.freePort(),
                args.toArray(String[]::new));
        nodes.add(node);
        clusterPorts.add(clusterPort);
        node.start();
        return node;
    }

    private String clusterAddress(int index) {
        return "127.0.0." + (index + 2) + ":" + clusterPorts.get(index);
    }

    private Path key(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private static MembersResponse members(NodeProcess node) {
        try (ScaleSmallClient client = ScaleSmallClient.create(
                ClientConfig.builder().servers(node.address()).build())) {
            return client.members().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("members of " + node.address() + " unavailable: " + e, e);
        }
    }

    private static Optional<Member> entry(MembersResponse view, NodeId id) {
        return view.members().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    private static NodeId idOf(NodeProcess node) {
        return members(node).responder();
    }

    private void awaitEveryLiveNodeSees(NodeId member, String status, long minIncarnation, NodeProcess... except) {
        List<NodeProcess> viewers = new ArrayList<>(nodes);
        viewers.removeAll(List.of(except));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    for (NodeProcess viewer : viewers) {
                        Optional<Member> seen = entry(members(viewer), member);
                        assertThat(seen)
                                .as("%s as seen by %s", member, viewer.address())
                                .hasValueSatisfying(m -> {
                                    assertThat(m.status()).isEqualTo(status);
                                    assertThat(m.incarnation()).isGreaterThanOrEqualTo(minIncarnation);
                                });
                    }
                });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fiveNodesConvergeAndSeeKillPauseRestartAndLeave() throws Exception {
        Path key = key("cluster.key", "five-node-test-cluster-key-0123456789");
        node(0, key);
        for (int i = 1; i < 5; i++) {
            node(i, key, clusterAddress(0));
        }
        List<NodeId> ids = new ArrayList<>();
        for (NodeProcess node : nodes) {
            ids.add(idOf(node));
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    for (NodeProcess viewer : nodes) {
                        MembersResponse view = members(viewer);
                        assertThat(view.members()).extracting(Member::id).containsExactlyInAnyOrderElementsOf(ids);
                        assertThat(view.members()).extracting(Member::status).containsOnly("ALIVE");
                    }
                });

        NodeProcess killed = nodes.get(2);
        long killedIncarnation =
                entry(members(nodes.get(0)), ids.get(2)).orElseThrow().incarnation();
        killed.kill9();
        awaitEveryLiveNodeSees(ids.get(2), "DEAD", killedIncarnation, killed);
        killed.start();
        awaitEveryLiveNodeSees(ids.get(2), "ALIVE", killedIncarnation + 1);

        NodeProcess paused = nodes.get(3);
        long pausedIncarnation =
                entry(members(nodes.get(0)), ids.get(3)).orElseThrow().incarnation();
        paused.signal("STOP");
        awaitEveryLiveNodeSees(ids.get(3), "DEAD", pausedIncarnation, paused);
        paused.signal("CONT");
        awaitEveryLiveNodeSees(ids.get(3), "ALIVE", pausedIncarnation + 1);

        NodeProcess leaver = nodes.get(4);
        assertThat(leaver.stop())
                .as("exit after SIGTERM; log:\n%s", leaver.log())
                .isIn(0, 143);
        awaitEveryLiveNodeSees(ids.get(4), "LEFT", 0, leaver);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aNodeWithTheWrongClusterKeyNeverAppears() throws Exception {
        Path key = key("cluster.key", "the-right-cluster-key-0123456789");
        Path wrong = key("wrong.key", "a-wrong-cluster-key-9876543210");
        NodeProcess first = node(0, key);
        NodeProcess second = node(1, key, clusterAddress(0));
        NodeProcess intruder = node(2, wrong, clusterAddress(0), clusterAddress(1));
        NodeId intruderId = idOf(intruder);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> members(first).members().size() == 2
                        && members(second).members().size() == 2);

        await().during(Duration.ofSeconds(5))
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> entry(members(first), intruderId).isEmpty()
                        && entry(members(second), intruderId).isEmpty());
        assertThat(members(intruder).members()).hasSize(1);
    }
}
