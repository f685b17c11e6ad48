package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MembersResponse.Member;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.net.ClusterKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster key rotation without downtime, with real node processes: three rewrites of every
 * node's key file (old+new, new+old, new) while the nodes run. No message is rejected, nobody is
 * suspected (incarnations do not move), and afterwards a node holding only the old key cannot get
 * in.
 */
@Tag("cluster")
class KeyRotationIT {
    private static final String OLD_KEY = "the-old-cluster-key-0123456789";
    private static final String NEW_KEY = "the-new-cluster-key-9876543210";
    private static final Pattern REJECTED =
            Pattern.compile("^scalesmall_cluster_messages_total\\{direction=\"rejected\"} (\\S+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<Path> keyFiles = new ArrayList<>();
    private final List<Integer> httpPorts = new ArrayList<>();
    private String firstClusterAddress;

    @AfterEach
    void stopAll() {
        nodes.forEach(NodeProcess::close);
    }

    private NodeProcess node(int index, String keyText) throws Exception {
        Path keyFile = dir.resolve("node-" + index + ".key");
        Files.writeString(keyFile, keyText, StandardCharsets.UTF_8);
        Path config = dir.resolve("node-" + index + ".properties");
        Files.writeString(config, "cluster.key.reload.ms=200\n", StandardCharsets.UTF_8);
        int clusterPort = NodeProcess.freePort();
        int httpPort = NodeProcess.freePort();
        String host = "127.0.0." + (index + 2);
        List<String> args = new ArrayList<>(List.of(
                "--config",
                config.toString(),
                "--cluster-port",
                Integer.toString(clusterPort),
                "--cluster-key-file",
                keyFile.toString(),
                "--http-port",
                Integer.toString(httpPort)));
        if (firstClusterAddress == null) {
            firstClusterAddress = host + ":" + clusterPort;
        } else {
            args.addAll(List.of("--join", firstClusterAddress));
        }
        NodeProcess node = new NodeProcess(
                dir.resolve("node-" + index), host, NodeProcess.freePort(), args.toArray(String[]::new));
        nodes.add(node);
        keyFiles.add(keyFile);
        httpPorts.add(httpPort);
        node.start();
        return node;
    }

    private static MembersResponse members(NodeProcess node) {
        try (ScaleSmallClient client = ScaleSmallClient.create(
                ClientConfig.builder().servers(node.address()).build())) {
            return client.members().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("members of " + node.address() + " unavailable: " + e, e);
        }
    }

    /** Member id -> incarnation, when every member is ALIVE in this node's view. */
    private static Map<NodeId, Long> aliveIncarnations(NodeProcess viewer) {
        List<Member> view = members(viewer).members();
        assertThat(view)
                .extracting(Member::status)
                .as("view of %s", viewer.address())
                .containsOnly("ALIVE");
        return view.stream().collect(Collectors.toMap(Member::id, Member::incarnation));
    }

    private double rejectedMessages(int index) throws Exception {
        String host = "127.0.0." + (index + 2);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + host + ":" + httpPorts.get(index) + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Matcher m = REJECTED.matcher(response.body());
        assertThat(m.find())
                .as("rejected count in /metrics:\n%s", response.body())
                .isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** Writes {@code keyText} into every node's key file and waits until every node took it. */
    private void rewriteEveryKeyFile(String keyText) throws Exception {
        String expected = "cluster key file reloaded: signing with key "
                + ClusterKeys.parse(keyText, "test").fingerprints().split(",")[0] + ", accepting "
                + ClusterKeys.parse(keyText, "test").fingerprints();
        for (Path keyFile : keyFiles) {
            Files.writeString(keyFile, keyText, StandardCharsets.UTF_8);
        }
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(nodes)
                        .allSatisfy(node -> assertThat(node.log()).contains(expected)));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void keysRotateWhileTheClusterRunsAndTheOldKeyIsLockedOut() throws Exception {
        for (int i = 0; i < 3; i++) {
            node(i, OLD_KEY + "\n");
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(nodes)
                        .allSatisfy(
                                viewer -> assertThat(aliveIncarnations(viewer)).hasSize(3)));
        Map<NodeId, Long> before = aliveIncarnations(nodes.get(0));

        rewriteEveryKeyFile(OLD_KEY + "\n" + NEW_KEY + "\n");
        rewriteEveryKeyFile(NEW_KEY + "\n" + OLD_KEY + "\n");
        rewriteEveryKeyFile(NEW_KEY + "\n");

        // Several probe rounds under the new key alone.
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(nodes)
                        .allSatisfy(
                                viewer -> assertThat(aliveIncarnations(viewer)).isEqualTo(before)));
        for (int i = 0; i < nodes.size(); i++) {
            assertThat(rejectedMessages(i))
                    .as("messages rejected by node %d", i)
                    .isZero();
        }

        NodeProcess stale = node(3, OLD_KEY + "\n");
        NodeId staleId = members(stale).responder();
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(nodes.subList(0, 3))
                        .allSatisfy(viewer -> assertThat(members(viewer).members())
                                .extracting(Member::id)
                                .doesNotContain(staleId)));
        assertThat(rejectedMessages(0))
                .as("the old-key node's join was rejected")
                .isPositive();
    }
}
