package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.Subscription;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MembersResponse.Member;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition between replicas: three node processes, each in a network namespace
 * of its own on one bridge (a LAN this test creates), R=3. While a producer publishes with
 * {@code disk=2} through the first two, the third node's link is cut: both sides go on (each
 * sees the other DEAD and places new ranges without it). When the link comes back, the cluster
 * is whole again, every range's holders end with identical logs (same batches, same bytes), and
 * every acknowledged message is read back exactly once. Needs root and iproute2, as CI has.
 */
@Tag("cluster")
class PartitionIT {
    private static final int PORT = 17_170;
    private static final int CLUSTER_PORT = PORT + 2;

    @TempDir
    Path dir;

    private final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 16), 36);
    private final String subnet = "10.232." + ThreadLocalRandom.current().nextInt(1, 250);
    private final String bridge = "sspb" + tag;
    private final List<String> namespaces = new ArrayList<>();
    private final List<NodeProcess> nodes = new ArrayList<>();
    private boolean bridgeCreated;

    @BeforeEach
    void createLan() throws Exception {
        bridgeCreated = Commands.run("ip", "link", "add", bridge, "type", "bridge");
        Assumptions.assumeTrue(bridgeCreated, "needs root and iproute2 to create a bridge and namespaces");
        assertThat(Commands.run("ip", "addr", "add", subnet + ".254/24", "dev", bridge))
                .isTrue();
        assertThat(Commands.run("ip", "link", "set", bridge, "up")).isTrue();
        for (int i = 0; i < 3; i++) {
            String ns = "ssp" + tag + i;
            assertThat(Commands.run("ip", "netns", "add", ns)).isTrue();
            namespaces.add(ns);
            String hostSide = hostSide(i);
            String nodeSide = "vn" + tag + i;
            assertThat(Commands.run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", nodeSide))
                    .isTrue();
            assertThat(Commands.run("ip", "link", "set", nodeSide, "netns", ns)).isTrue();
            assertThat(Commands.run("ip", "link", "set", hostSide, "master", bridge))
                    .isTrue();
            assertThat(Commands.run("ip", "link", "set", hostSide, "up")).isTrue();
            assertThat(Commands.run(
                            "ip", "netns", "exec", ns, "ip", "addr", "add", address(i) + "/24", "dev", nodeSide))
                    .isTrue();
            assertThat(Commands.run("ip", "netns", "exec", ns, "ip", "link", "set", nodeSide, "up"))
                    .isTrue();
            assertThat(Commands.run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"))
                    .isTrue();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        nodes.forEach(NodeProcess::close);
        for (int i = 0; i < nodes.size(); i++) {
            // kept for a failed run: the temporary directory goes away
            java.nio.file.Files.writeString(
                    Path.of("target", "partition-node-" + i + ".log"),
                    nodes.get(i).log());
        }
        for (String ns : namespaces) {
            Commands.run("ip", "netns", "del", ns); // takes its veth pair along
        }
        if (bridgeCreated) {
            Commands.run("ip", "link", "del", bridge);
        }
    }

    private String hostSide(int i) {
        return "vh" + tag + i;
    }

    private String address(int i) {
        return subnet + "." + (i + 2);
    }

    private String server(int i) {
        return address(i) + ":" + PORT;
    }

    private void startNode(int i) throws IOException {
        List<String> args = new ArrayList<>(List.of("--cluster-port", Integer.toString(CLUSTER_PORT)));
        if (i > 0) {
            args.addAll(List.of("--join", address(0) + ":" + CLUSTER_PORT));
        }
        NodeProcess node = new NodeProcess(dir.resolve("node-" + i), address(i), PORT, args.toArray(String[]::new))
                .inNetworkNamespace(namespaces.get(i));
        nodes.add(node);
        node.start();
    }

    private static List<String> statuses(String server) {
        try (ScaleSmallClient client =
                ScaleSmallClient.create(ClientConfig.builder().servers(server).build())) {
            MembersResponse r = client.members().get(10, TimeUnit.SECONDS);
            return r.members().stream().map(Member::status).toList();
        } catch (Exception e) {
            throw new AssertionError("members of " + server + " unavailable: " + e, e);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aPartitionBetweenReplicasHealsToIdenticalLogsAndLosesNothing() throws Exception {
        for (int i = 0; i < 3; i++) {
            startNode(i);
        }
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(statuses(server(2))).containsExactly("ALIVE", "ALIVE", "ALIVE"));

        ClientDiagnostics.logTo(Path.of("target", "partition-client.log"));
        ConcurrentLinkedQueue<Integer> acked = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ScaleSmallClient writer = ScaleSmallClient.create(ClientConfig.builder()
                .servers(server(0), server(1))
                .durability(DurabilityPolicy.parse("disk=2"))
                // A cut-off node answers nothing and resets nothing: when it coordinates every
                // range (one layout in 27), the client fails over only after this timeout.
                .requestTimeoutMs(5_000)
                .build());
        Thread producer = new Thread(() -> {
            for (int n = 0; !stop.get() && n < 1_000_000; n++) {
                int number = n;
                byte[] key = ("key-" + (n % 64)).getBytes(StandardCharsets.UTF_8);
                CompletableFuture<?> f =
                        writer.publish("split", key, Integer.toString(number).getBytes(StandardCharsets.UTF_8));
                f.thenRun(() -> acked.add(number));
                if (n % 100 == 99) {
                    try {
                        Thread.sleep(10); // about 10,000 messages a second
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
        try {
            producer.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > 10_000);

            assertThat(Commands.run("ip", "link", "set", hostSide(2), "down")).isTrue();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(statuses(server(0))).contains("DEAD"));
            int ackedWhileCut = acked.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > ackedWhileCut + 20_000);

            assertThat(Commands.run("ip", "link", "set", hostSide(2), "up")).isTrue();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        for (int i = 0; i < 3; i++) {
                            assertThat(statuses(server(i))).containsExactly("ALIVE", "ALIVE", "ALIVE");
                        }
                    });
            int ackedHealed = acked.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > ackedHealed + 10_000);
        } finally {
            stop.set(true);
            producer.join(TimeUnit.SECONDS.toMillis(30));
            try {
                writer.flushAsync().get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError(
                        "the producer did not drain:\n" + writer.describeState() + ClientDiagnostics.threadDump(), e);
            } finally {
                writer.close();
            }
        }

        // Every range: each holder answers and holds the same batches and bytes.
        String all = server(0) + "," + server(1) + "," + server(2);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    JsonNode stream = streams(all).get("streams").get(0);
                    for (JsonNode range : stream.get("ranges")) {
                        JsonNode replicas = range.get("replicas");
                        for (JsonNode replica : replicas) {
                            assertThat(replica.get("answered").asBoolean()).isTrue();
                            assertThat(replica.get("batches").asLong())
                                    .as("batches of range %s on %s", range.get("rangeId"), replica.get("id"))
                                    .isEqualTo(replicas.get(0).get("batches").asLong());
                            assertThat(replica.get("sizeBytes").asLong())
                                    .as("bytes of range %s on %s", range.get("rangeId"), replica.get("id"))
                                    .isEqualTo(replicas.get(0).get("sizeBytes").asLong());
                        }
                    }
                    assertThat(stream.get("underReplicatedBatches").asLong()).isZero();
                });

        // Every acknowledged message, exactly once, read through the node that was cut off.
        BitSet ackedSet = new BitSet();
        acked.forEach(ackedSet::set);
        ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
        // Where each message came from (range, coordinator, batch, index), to name a duplicate's copies.
        java.util.Map<Integer, List<String>> origins = new java.util.concurrent.ConcurrentHashMap<>();
        try (ScaleSmallClient reader = ScaleSmallClient.create(
                        ClientConfig.builder().servers(server(2)).build());
                Subscription sub = reader.subscribe("split", From.beginning(), m -> {
                    int n = Integer.parseInt(new String(m.payload(), StandardCharsets.UTF_8));
                    origins.computeIfAbsent(n, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                            .add("range " + m.rangeId() + " coordinator "
                                    + m.coordinator().toString().substring(0, 8) + " batch " + m.batchSeq() + " #"
                                    + m.indexInBatch());
                    received.add(n);
                })) {
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(missing(ackedSet, received).cardinality())
                            .as("acknowledged messages not read back")
                            .isZero());
            assertThat(sub.isClosed()).isFalse();
        }
        BitSet seen = new BitSet();
        int twice = 0;
        for (int n : received) {
            if (seen.get(n)) {
                twice++;
            }
            seen.set(n);
        }
        List<String> copies = new ArrayList<>();
        origins.forEach((n, from) -> {
            if (from.size() > 1 && copies.size() < 10) {
                copies.add(n + " from " + from);
            }
        });
        assertThat(twice).as("messages read twice, such as %s", copies).isZero();
    }

    private static BitSet missing(BitSet acked, Iterable<Integer> received) {
        BitSet missing = (BitSet) acked.clone();
        for (int n : received) {
            missing.clear(n);
        }
        return missing;
    }

    private static JsonNode streams(String servers) throws IOException {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.commandLine().execute("streams", "--server", servers, "--json");
        } finally {
            System.setOut(oldOut);
        }
        String text = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(code).as("streams: %s", text).isZero();
        String[] lines = text.split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
}
