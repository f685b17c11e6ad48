package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MembersResponse.Member;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional multicast first hop with real node processes on a LAN of their own: a network
 * namespace joined to this host by a veth pair (loopback does not carry multicast). Three nodes
 * started with {@code --cluster-multicast} learn of each other's joins through the group as well as
 * through the broadcast tree. Needs root and iproute2, as CI has.
 */
@Tag("cluster")
class MulticastIT {
    private static final Pattern MULTICAST_RECEIVED = Pattern.compile(
            "^scalesmall_cluster_events_total\\{event=\"multicast_received\"} (\\S+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private final String namespace = "ss-mc-" + ThreadLocalRandom.current().nextInt(1 << 20);
    private final String subnet = "10.231." + ThreadLocalRandom.current().nextInt(1, 250);
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<Integer> httpPorts = new ArrayList<>();
    private boolean namespaceCreated;

    @BeforeEach
    void createLan() throws Exception {
        namespaceCreated = Commands.run("ip", "netns", "add", namespace);
        Assumptions.assumeTrue(namespaceCreated, "needs root and iproute2 to create a network namespace");
        String hostSide = "vh" + namespace.substring(6);
        String lanSide = "vn" + namespace.substring(6);
        assertThat(Commands.run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", lanSide))
                .isTrue();
        assertThat(Commands.run("ip", "link", "set", lanSide, "netns", namespace))
                .isTrue();
        assertThat(Commands.run("ip", "addr", "add", subnet + ".1/24", "dev", hostSide))
                .isTrue();
        assertThat(Commands.run("ip", "link", "set", hostSide, "up")).isTrue();
        assertThat(Commands.run(
                        "ip", "netns", "exec", namespace, "ip", "addr", "add", subnet + ".2/24", "dev", lanSide))
                .isTrue();
        assertThat(Commands.run("ip", "netns", "exec", namespace, "ip", "link", "set", lanSide, "up"))
                .isTrue();
        assertThat(Commands.run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"))
                .isTrue();
    }

    @AfterEach
    void stopAll() throws Exception {
        nodes.forEach(NodeProcess::close);
        if (namespaceCreated) {
            // Deleting the namespace deletes the veth pair with it.
            Commands.run("ip", "netns", "del", namespace);
        }
    }

    private NodeProcess node(int index, String join) throws Exception {
        int httpPort = 17_000 + index * 10 + 1;
        List<String> args = new ArrayList<>(List.of(
                "--cluster-port",
                Integer.toString(17_000 + index * 10 + 2),
                "--http-port",
                Integer.toString(httpPort),
                "--cluster-multicast",
                "239.255.77.77:17947"));
        if (join != null) {
            args.addAll(List.of("--join", join));
        }
        NodeProcess node = new NodeProcess(
                        dir.resolve("node-" + index), subnet + ".2", 17_000 + index * 10, args.toArray(String[]::new))
                .inNetworkNamespace(namespace);
        nodes.add(node);
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

    private double multicastsReceived(int index) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create("http://" + subnet + ".2:" + httpPorts.get(index) + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Matcher m = MULTICAST_RECEIVED.matcher(response.body());
        assertThat(m.find())
                .as("multicast count in /metrics:\n%s", response.body())
                .isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void joinsReachEveryNodeThroughTheMulticastGroup() throws Exception {
        node(0, null);
        String seed = subnet + ".2:17002";
        node(1, seed);
        node(2, seed);

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(nodes)
                        .allSatisfy(viewer -> assertThat(members(viewer).members())
                                .hasSize(3)
                                .extracting(Member::status)
                                .containsOnly("ALIVE")));
        // The seed originated node 2's join broadcast: node 1 heard it on the group.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(multicastsReceived(1)).isPositive());
    }
}
