package io.scalesmall.server.cluster.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClusterConfig;
import io.scalesmall.server.cluster.ClusterListener;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.NodeMetadata;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real UDP and TCP on loopback: agents find each other, reject a foreign key, and leave cleanly. */
class ClusterAgentTest {
    private static final ClusterConfig FAST = ClusterConfig.defaults().withProbing(200, 100, 200);
    private static final ClusterKeys KEY =
            new ClusterKeys("the-test-cluster-key-0123456789".getBytes(StandardCharsets.UTF_8));
    private static final ClusterKeys OTHER_KEY =
            new ClusterKeys("another-cluster-key-abcdefghijkl".getBytes(StandardCharsets.UTF_8));

    private final List<ClusterAgent> agents = new ArrayList<>();

    @AfterEach
    void closeAll() {
        agents.forEach(ClusterAgent::close);
    }

    private ClusterAgent start(ClusterKeys keys, List<Endpoint> seeds) throws InterruptedException {
        ClusterAgent agent =
                new ClusterAgent(FAST, keys, new InetSocketAddress("127.0.0.1", 0), seeds, ClusterListener.NONE);
        NodeId id = NodeId.random(new SecureRandom());
        agent.start(
                port -> new MemberEntry(
                        id,
                        1,
                        MemberStatus.ALIVE,
                        System.currentTimeMillis(),
                        new NodeMetadata(
                                new Endpoint("127.0.0.1", port),
                                new Endpoint("127.0.0.1", 9),
                                1 << 30,
                                1 << 20,
                                2,
                                "")),
                ClaimSet.empty(id));
        agents.add(agent);
        return agent;
    }

    private static Optional<MemberStatus> statusAt(ClusterAgent viewer, ClusterAgent member) {
        return viewer.members().stream()
                .filter(m -> m.id().equals(member.self().id()))
                .map(MemberEntry::status)
                .findFirst();
    }

    private static Endpoint endpointOf(ClusterAgent agent) {
        return new Endpoint("127.0.0.1", agent.port());
    }

    @Test
    void agentsJoiningThroughASeedSeeEachOtherAlive() throws Exception {
        ClusterAgent seed = start(KEY, List.of());
        ClusterAgent second = start(KEY, List.of(endpointOf(seed)));
        ClusterAgent third = start(KEY, List.of(endpointOf(seed)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (ClusterAgent viewer : agents) {
                assertThat(viewer.members()).hasSize(3);
                assertThat(viewer.members()).allMatch(m -> m.status() == MemberStatus.ALIVE);
            }
        });
        assertThat(third.messagesIn()).isPositive();
        assertThat(second.rejectedMessages()).isZero();
    }

    @Test
    void aNodeWithAnotherKeyNeverAppears() throws Exception {
        ClusterAgent seed = start(KEY, List.of());
        ClusterAgent member = start(KEY, List.of(endpointOf(seed)));
        ClusterAgent intruder = start(OTHER_KEY, List.of(endpointOf(seed)));

        await().atMost(Duration.ofSeconds(10)).until(() -> seed.rejectedMessages() >= 3);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> statusAt(seed, member).isPresent());

        assertThat(statusAt(seed, intruder)).isEmpty();
        assertThat(statusAt(member, intruder)).isEmpty();
        assertThat(intruder.members()).hasSize(1);
    }

    @Test
    void aGracefulLeaveShowsLeft() throws Exception {
        ClusterAgent seed = start(KEY, List.of());
        ClusterAgent stays = start(KEY, List.of(endpointOf(seed)));
        ClusterAgent leaver = start(KEY, List.of(endpointOf(seed)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> agents.stream().allMatch(agent -> agent.members().size() == 3));

        assertThat(leaver.leave(Duration.ofSeconds(5))).isTrue();
        leaver.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(statusAt(seed, leaver)).contains(MemberStatus.LEFT);
            assertThat(statusAt(stays, leaver)).contains(MemberStatus.LEFT);
        });
    }
}
