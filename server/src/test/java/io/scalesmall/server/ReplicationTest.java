package io.scalesmall.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.FetchResult;
import io.scalesmall.client.From;
import io.scalesmall.client.PublishAck;
import io.scalesmall.client.ReceivedMessage;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.storage.RangeLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several nodes in one JVM on loopback: streams are placed over them, batches replicate to every
 * replica, policies are met across nodes, and a departed replica is replaced for new writes while
 * everything acknowledged stays readable.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReplicationTest {
    @TempDir
    Path dir;

    private final List<Node> nodes = new ArrayList<>();
    private final List<ScaleSmallClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(ScaleSmallClient::close);
        for (Node n : nodes) {
            n.close();
        }
    }

    private Node start(int index) throws Exception {
        return start(index, new Properties());
    }

    private Node start(int index, Properties p) throws Exception {
        return start(index, p, null);
    }

    private Node start(int index, Properties p, io.scalesmall.server.storage.DiskUsage.VolumeStats volume)
            throws Exception {
        p.setProperty("cluster.probe.interval.ms", "200");
        p.setProperty("cluster.probe.timeout.ms", "100");
        p.setProperty("cluster.sync.interval.ms", "200");
        if (!nodes.isEmpty()) {
            p.setProperty("cluster.join", "127.0.0.1:" + nodes.get(0).cluster().port());
        }
        NodeConfig config = NodeConfig.defaults(dir.resolve("node-" + index), "127.0.0.1", 0)
                .with(p);
        if (volume != null) {
            io.scalesmall.server.replication.RetentionConfig r = config.agent().retention();
            config = new NodeConfig(
                    config.dataDir(),
                    config.api(),
                    config.httpHost(),
                    config.httpPort(),
                    config.agent()
                            .withRetention(new io.scalesmall.server.replication.RetentionConfig(
                                    r.highWatermarkPercent(), r.highWatermarkBytes(), 200, volume)),
                    config.cluster());
        }
        Node node = Node.start(config);
        nodes.add(node);
        return node;
    }

    private void startCluster(int size) throws Exception {
        startCluster(size, new Properties());
    }

    private void startCluster(int size, Properties settings) throws Exception {
        for (int i = 0; i < size; i++) {
            Properties p = new Properties();
            p.putAll(settings);
            start(i, p);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> nodes.stream()
                        .allMatch(n -> n.cluster().members().stream()
                                        .filter(m -> m.status() == MemberStatus.ALIVE)
                                        .count()
                                == size));
    }

    private ScaleSmallClient client(DurabilityPolicy policy, Node... servers) {
        List<String> addresses = new ArrayList<>();
        for (Node n : servers) {
            addresses.add("127.0.0.1:" + n.address().getPort());
        }
        ScaleSmallClient client = ScaleSmallClient.create(
                ClientConfig.builder().servers(addresses).durability(policy).build());
        clients.add(client);
        return client;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> payloads(FetchResult result) {
        List<String> out = new ArrayList<>();
        for (ReceivedMessage m : result.messages()) {
            out.add(new String(m.payload(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<PublishAck> publishAll(
            ScaleSmallClient client, String stream, byte[] key, List<String> payloads) throws Exception {
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (String p : payloads) {
            futures.add(client.publish(stream, key, bytes(p)));
        }
        List<PublishAck> acks = new ArrayList<>();
        for (CompletableFuture<PublishAck> f : futures) {
            try {
                acks.add(f.get(60, TimeUnit.SECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("a publish was not answered; client state:\n" + client.describeState(), e);
            }
        }
        return acks;
    }

    /** Creates {@code stream}, which must not exist yet. */
    private static void createStream(
            ScaleSmallClient client, String stream, io.scalesmall.protocol.StreamOptions options) throws Exception {
        assertThat(client.createStream(stream, options).get(10, TimeUnit.SECONDS))
                .as("created %s", stream)
                .isTrue();
    }

    private static List<String> names(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    /** Everything a node holds of a stream, read from that node alone, oldest range first. */
    private List<String> readAllFrom(Node node, String stream) throws Exception {
        try (ScaleSmallClient reader = ScaleSmallClient.create(ClientConfig.builder()
                .servers("127.0.0.1:" + node.address().getPort())
                .build())) {
            List<String> all = new ArrayList<>();
            String cursor = null;
            while (true) {
                FetchResult r = reader.fetch(stream, cursor == null ? From.beginning() : From.cursor(cursor), 1 << 20)
                        .get(30, TimeUnit.SECONDS);
                if (r.messages().isEmpty()) {
                    return all;
                }
                all.addAll(payloads(r));
                cursor = r.nextCursor();
            }
        }
    }

    @Test
    void batchesReachEveryReplicaAndADiskThreePolicyIsMet() throws Exception {
        startCluster(3);
        ScaleSmallClient client = client(new DurabilityPolicy(3, 3), nodes.get(0));

        List<String> sent = names("m", 0, 300);
        List<PublishAck> acks = publishAll(client, "orders", null, sent);

        assertThat(acks).hasSize(300);
        MetadataResponse md = client.metadata("orders").get(10, TimeUnit.SECONDS);
        assertThat(md.streams().get(0).ranges())
                .allSatisfy(r -> assertThat(r.replicas()).hasSize(3))
                .allSatisfy(r -> assertThat(r.current()).isTrue());
        // Each range's batches are coordinated by its first replica.
        for (PublishAck a : acks) {
            MetadataResponse.Range range = md.streams().get(0).ranges().stream()
                    .filter(r -> r.rangeId() == a.rangeId())
                    .findFirst()
                    .orElseThrow();
            assertThat(a.coordinator())
                    .isEqualTo(md.nodes().get(range.replicas().get(0)).id());
        }
        // disk=3 was met, so every replica holds every message.
        for (Node n : nodes) {
            assertThat(readAllFrom(n, "orders"))
                    .as("read from node %s", n.nodeId())
                    .containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    @Test
    void aDepartedReplicaIsReplacedForNewWritesAndNothingAcknowledgedIsLost() throws Exception {
        startCluster(3);
        ScaleSmallClient client = client(new DurabilityPolicy(2, 2), nodes.get(0), nodes.get(1));
        byte[] key = bytes("one-key");
        publishAll(client, "events", key, names("e", 0, 100));
        Node leaver = nodes.remove(2);
        NodeId leaverId = leaver.nodeId();
        leaver.close();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> nodes.stream().allMatch(n -> {
                    MemberEntry m = n.placement().view().member(leaverId);
                    return m != null && m.status() == MemberStatus.LEFT;
                }));

        publishAll(client, "events", key, names("e", 100, 200));

        MetadataResponse md = client.metadata("events").get(10, TimeUnit.SECONDS);
        List<MetadataResponse.Range> current = md.streams().get(0).ranges().stream()
                .filter(MetadataResponse.Range::current)
                .toList();
        assertThat(current)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.replicas()).hasSize(2));
        assertThat(md.streams().get(0).ranges())
                .anySatisfy(r -> assertThat(r.current()).isFalse());
        // A replica outside a publish's acknowledging copies may lag; repair brings it level.
        for (Node n : nodes) {
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(readAllFrom(n, "events"))
                            .as("read from node %s", n.nodeId())
                            .containsExactlyElementsOf(names("e", 0, 200)));
        }
    }

    @Test
    void aJoiningNodeMovesNoStoredData() throws Exception {
        startCluster(2);
        ScaleSmallClient client = client(DurabilityPolicy.DISK_1, nodes.get(0));
        publishAll(client, "logs", null, names("l", 0, 100));
        // disk=1 is acknowledged before the second replica has its copy: let replication finish.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> storedBytes(nodes.get(0), "logs") > 0
                        && storedBytes(nodes.get(0), "logs") == storedBytes(nodes.get(1), "logs"));
        long storedBefore = storedBytes(nodes.get(0), "logs") + storedBytes(nodes.get(1), "logs");

        Node joiner = start(2);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> nodes.stream()
                        .allMatch(n -> n.placement().view().current("logs").stream()
                                .anyMatch(r -> r.descriptor().replicas().contains(joiner.nodeId()))));

        assertThat(storedBytes(joiner, "logs"))
                .as("the joiner holds no old data")
                .isZero();
        assertThat(storedBytes(nodes.get(0), "logs") + storedBytes(nodes.get(1), "logs"))
                .isEqualTo(storedBefore);
        publishAll(client, "logs", null, names("l", 100, 200));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(readAllFrom(nodes.get(0), "logs"))
                        .containsExactlyInAnyOrderElementsOf(names("l", 0, 200)));
    }

    private static long storedBytes(Node node, String stream) throws Exception {
        long sum = 0;
        for (var range : node.agent().catalog().ranges()) {
            if (range.stream().equals(stream)) {
                RangeLog log = node.agent().log(stream, range.rangeId());
                sum += log == null ? 0 : log.sizeBytes();
            }
        }
        return sum;
    }

    @Test
    void withFewerReplicasThanNodesEveryMessageIsPublishedAndReadThroughAnyNode() throws Exception {
        startCluster(4);
        ScaleSmallClient writer = client(DurabilityPolicy.DISK_1, nodes.get(0));
        createStream(writer, "wide", new io.scalesmall.protocol.StreamOptions(2, -1, -1));
        List<String> sent = names("w", 0, 400);

        publishAll(writer, "wide", null, sent);

        MetadataResponse md = writer.metadata("wide").get(10, TimeUnit.SECONDS);
        assertThat(md.streams().get(0).ranges())
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.replicas()).hasSize(2));
        java.util.concurrent.ConcurrentLinkedQueue<String> received =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        ScaleSmallClient reader = client(DurabilityPolicy.MEMORY_1, nodes.get(1));
        try (var sub = reader.subscribe(
                "wide", From.beginning(), m -> received.add(new String(m.payload(), StandardCharsets.UTF_8)))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 400);
            assertThat(sub.isClosed()).isFalse();
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void aSubscriberContinuesOnAnotherReplicaWithoutLossOrRepeatsAndInOrder() throws Exception {
        startCluster(3);
        ScaleSmallClient writer = client(new DurabilityPolicy(2, 2), nodes.get(0), nodes.get(1));
        java.util.concurrent.ConcurrentLinkedQueue<String> received =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        ScaleSmallClient reader = client(DurabilityPolicy.MEMORY_1, nodes.get(2), nodes.get(0));
        try (var sub = reader.subscribe(
                "failover", From.beginning(), m -> received.add(new String(m.payload(), StandardCharsets.UTF_8)))) {
            publishAll(writer, "failover", bytes("k"), names("f", 0, 100));
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 100);

            Node stopped = nodes.remove(2);
            stopped.close();
            publishAll(writer, "failover", bytes("k"), names("f", 100, 200));

            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 200);
            // Give a repeat, if there were one, time to show.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 200);
            assertThat(sub.isClosed()).isFalse();
        }
        // One key: one key slice, read range after range in the order placement created them.
        assertThat(received).containsExactlyElementsOf(names("f", 0, 200));
    }

    @Test
    void theCopiesADepartedNodeHeldAreMadeAgainElsewhere() throws Exception {
        Properties settings = new Properties();
        settings.setProperty("replication.restore.delay.ms", "1000");
        startCluster(4, settings);
        ScaleSmallClient writer = client(new DurabilityPolicy(2, 2), nodes.get(0), nodes.get(1));
        createStream(writer, "kept", new io.scalesmall.protocol.StreamOptions(2, -1, -1));
        List<String> sent = names("k", 0, 400);
        publishAll(writer, "kept", null, sent);

        // The leaver and a node it shares a range with: once both are gone, that range's data
        // survives only if the leaver's copies were made again in between.
        MetadataResponse md = writer.metadata("kept").get(10, TimeUnit.SECONDS);
        MetadataResponse.Range shared = md.streams().get(0).ranges().get(0);
        NodeId leaverId = md.nodes().get(shared.replicas().get(0)).id();
        NodeId partnerId = md.nodes().get(shared.replicas().get(1)).id();
        Node leaver = nodes.stream()
                .filter(n -> n.nodeId().equals(leaverId))
                .findFirst()
                .orElseThrow();
        List<Integer> leaverRanges = new ArrayList<>();
        for (var range : leaver.agent().catalog().ranges()) {
            if (range.stream().equals("kept")) {
                leaverRanges.add(range.rangeId());
            }
        }
        nodes.remove(leaver);
        leaver.close();

        // Every range the leaver held ends with two complete copies on the nodes that are left.
        for (int rangeId : leaverRanges) {
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(completeCopies("kept", rangeId))
                            .as("complete copies of range %d", rangeId)
                            .isGreaterThanOrEqualTo(2));
        }

        Node partner = nodes.stream()
                .filter(n -> n.nodeId().equals(partnerId))
                .findFirst()
                .orElseThrow();
        nodes.remove(partner);
        partner.close();
        clients.remove(writer);
        writer.close();
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> assertThat(readAllFrom(nodes.get(0), "kept")).containsExactlyInAnyOrderElementsOf(sent));
    }

    @Test
    void aCopyOfARangeWhoseOldestBatchesRetentionDeletedStartsAtTheOldestBatchLeft() throws Exception {
        Properties settings = new Properties();
        settings.setProperty("replication.restore.delay.ms", "1000");
        settings.setProperty("segment.bytes", "16384");
        settings.setProperty("retention.check.interval.ms", "200");
        startCluster(3, settings);
        ScaleSmallClient writer = client(new DurabilityPolicy(2, 2), nodes.get(0), nodes.get(1));
        createStream(writer, "trimmed", new io.scalesmall.protocol.StreamOptions(2, -1, 64 * 1024));
        byte[] key = bytes("one-key");
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 10; round++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                // Incompressible, so that the stored bytes pass the retention limit.
                batch.add("t" + (round * 100 + i) + ":" + new java.math.BigInteger(1000, random).toString(36));
            }
            publishAll(writer, "trimmed", key, batch);
        }
        MetadataResponse md = writer.metadata("trimmed").get(10, TimeUnit.SECONDS);
        int rangeId = md.streams().get(0).ranges().stream()
                .filter(r -> holdersOf("trimmed", r.rangeId()).stream()
                        .allMatch(n -> logOf(n, "trimmed", r.rangeId()).sizeBytes() > 0))
                .findFirst()
                .orElseThrow()
                .rangeId();
        List<Node> holders = holdersOf("trimmed", rangeId);
        // Retention deleted the oldest batches on both holders: nobody has them any more.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> holders.stream()
                        .allMatch(n -> logOf(n, "trimmed", rangeId).firstIndex() > 1));
        Node leaver = holders.get(0);
        Node survivor = holders.get(1);
        nodes.remove(leaver);
        leaver.close();

        // The third node takes a copy once the restore delay passed, and fills it from the oldest
        // batch the survivor still has to its newest: the same batches.
        Node third = nodes.stream().filter(n -> n != survivor).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(third.agent().log("trimmed", rangeId))
                        .as("the restored copy")
                        .isNotNull()
                        .satisfies(log -> {
                            RangeLog source = logOf(survivor, "trimmed", rangeId);
                            assertThat(log.lastHlcTime()).isEqualTo(source.lastHlcTime());
                            assertThat(log.batchCount()).isEqualTo(source.batchCount());
                        }));
    }

    private List<Node> holdersOf(String stream, int rangeId) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.agent().catalog().range(stream, rangeId) != null) {
                out.add(n);
            }
        }
        return out;
    }

    private static RangeLog logOf(Node node, String stream, int rangeId) {
        try {
            return node.agent().log(stream, rangeId);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** How many running nodes hold a range with as many bytes as its largest copy. */
    private long completeCopies(String stream, int rangeId) {
        long largest = 0;
        List<Long> sizes = new ArrayList<>();
        for (Node n : holdersOf(stream, rangeId)) {
            RangeLog log = logOf(n, stream, rangeId);
            sizes.add(log == null ? 0 : log.sizeBytes());
        }
        for (long size : sizes) {
            largest = Math.max(largest, size);
        }
        long max = largest;
        return largest == 0 ? 0 : sizes.stream().filter(size -> size == max).count();
    }

    @Test
    void aNodeWhoseDiskStaysFullTakesNoNewRangesUntilSpaceReturns() throws Exception {
        startCluster(2);
        java.util.concurrent.atomic.AtomicLong usedPercent = new java.util.concurrent.atomic.AtomicLong(99);
        Node full = start(2, new Properties(), new io.scalesmall.server.storage.DiskUsage.VolumeStats() {
            @Override
            public long totalBytes() {
                return 100L << 30;
            }

            @Override
            public long usableBytes() {
                return (100 - usedPercent.get()) << 30;
            }
        });
        ScaleSmallClient writer = client(new DurabilityPolicy(2, 2), nodes.get(0), nodes.get(1));
        publishAll(writer, "shed", null, names("s", 0, 100));

        // Over its watermark with nothing retention can delete: no current range names it.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (Node n : nodes) {
                assertThat(n.placement().view().member(full.nodeId()).metadata().diskBytes())
                        .isZero();
                assertThat(n.placement().view().current("shed"))
                        .isNotEmpty()
                        .allSatisfy(r -> assertThat(r.descriptor().replicas()).doesNotContain(full.nodeId()));
            }
        });
        publishAll(writer, "shed", null, names("s", 100, 200));

        usedPercent.set(10);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(nodes.get(0).placement().view().current("shed"))
                        .allSatisfy(r -> assertThat(r.descriptor().replicas()).contains(full.nodeId())));
        publishAll(writer, "shed", null, names("s", 200, 300));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(readAllFrom(nodes.get(0), "shed"))
                        .containsExactlyInAnyOrderElementsOf(names("s", 0, 300)));
    }

    @Test
    void aDrainingNodeHandsItsDataOffBeforeItLeaves() throws Exception {
        startCluster(3);
        ScaleSmallClient writer = client(DurabilityPolicy.DISK_1, nodes.get(0), nodes.get(1), nodes.get(2));
        createStream(writer, "solo", new io.scalesmall.protocol.StreamOptions(1, -1, -1));
        List<String> sent = names("o", 0, 300);
        publishAll(writer, "solo", null, sent);
        Node leaver = nodes.get(0);
        for (Node n : nodes) {
            if (storedBytes(n, "solo") > storedBytes(leaver, "solo")) {
                leaver = n;
            }
        }
        assertThat(storedBytes(leaver, "solo"))
                .as("the only copy of a range lives on the leaver")
                .isPositive();

        assertThat(leaver.drain(60_000).get(90, TimeUnit.SECONDS))
                .as("handed off")
                .isTrue();
        nodes.remove(leaver);
        leaver.close();
        Node reader = nodes.get(0);

        // With one copy per range, what the leaver held is still readable only if it was handed off.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(readAllFrom(reader, "solo")).containsExactlyInAnyOrderElementsOf(sent));
        // And the stream takes writes on the nodes that are left.
        ScaleSmallClient later = client(DurabilityPolicy.DISK_1, reader);
        assertThat(publishAll(later, "solo", null, names("o", 300, 400))).hasSize(100);
        // The first client, idle while the node left, still routes some keys to the range whose
        // only replica left: it learns the new placement and publishes through the others.
        long start = System.nanoTime();
        assertThat(publishAll(writer, "solo", null, names("o", 400, 500))).hasSize(100);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("well within the delivery timeout")
                .isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void hotRangesSplitAndEveryMessageIsReadOnceInItsKeysOrder() throws Exception {
        Properties settings = new Properties();
        settings.setProperty("split.rate.bytes", "20000");
        settings.setProperty("split.window.ms", "1000");
        settings.setProperty("split.check.interval.ms", "200");
        settings.setProperty("split.max.ranges", "6");
        startCluster(3, settings);
        ScaleSmallClient writer = client(new DurabilityPolicy(2, 2), nodes.get(0));
        createStream(writer, "hot", io.scalesmall.protocol.StreamOptions.DEFAULT);
        java.util.concurrent.ConcurrentLinkedQueue<String> received =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        ScaleSmallClient reader = client(DurabilityPolicy.MEMORY_1, nodes.get(1));
        java.util.concurrent.ConcurrentLinkedQueue<String> fromEnd = new java.util.concurrent.ConcurrentLinkedQueue<>();
        int keys = 20;
        int[] next = new int[keys];
        int sent = 0;
        String padding = "x".repeat(200);
        try (var sub = reader.subscribe(
                        "hot", From.beginning(), m -> received.add(new String(m.payload(), StandardCharsets.UTF_8)));
                var tail = reader.subscribe(
                        "hot", From.end(), m -> fromEnd.add(new String(m.payload(), StandardCharsets.UTF_8)))) {
            // A subscription from the end that started before any publish must see them all too,
            // once it has a position in each of the stream's three ranges.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> io.scalesmall.protocol.Cursor.fromToken(tail.cursor())
                                    .ranges()
                                    .size()
                            == 3);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int extraRounds = 3;
            while (extraRounds > 0 && System.nanoTime() < deadline) {
                List<CompletableFuture<PublishAck>> round = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    int k = i % keys;
                    round.add(writer.publish(
                            "hot", bytes("key" + k), bytes("key" + k + ":" + next[k]++ + ":" + padding)));
                }
                for (CompletableFuture<PublishAck> f : round) {
                    f.get(60, TimeUnit.SECONDS);
                }
                sent += round.size();
                if (currentRanges(writer, "hot") >= 6) {
                    extraRounds--; // split as far as allowed: keep writing through the new ranges a while
                }
            }
            assertThat(currentRanges(writer, "hot"))
                    .as("current ranges after the splits")
                    .isEqualTo(6);
            int total = sent;
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= total && fromEnd.size() >= total);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == total);
            assertThat(sub.isClosed()).isFalse();
        }
        MetadataResponse md = writer.metadata("hot").get(10, TimeUnit.SECONDS);
        assertThat(md.streams().get(0).ranges())
                .as("split ranges stay, sealed, for readers")
                .anySatisfy(r -> assertThat(r.current()).isFalse());
        assertThat(received).doesNotHaveDuplicates().hasSize(sent);
        assertInKeyOrder(new ArrayList<>(received), next);
        assertInKeyOrder(new ArrayList<>(fromEnd), next);
        // A fetching reader reads the ranges of each key in creation order too; a split range is
        // read past its end only once it settled on the node read (a disk=2 write may reach the
        // third replica later).
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertInKeyOrder(readAllFrom(nodes.get(2), "hot"), next));
    }

    private static int currentRanges(ScaleSmallClient client, String stream) throws Exception {
        MetadataResponse md = client.metadata(stream).get(10, TimeUnit.SECONDS);
        return (int) md.streams().get(0).ranges().stream()
                .filter(MetadataResponse.Range::current)
                .count();
    }

    /** Every message of each key once, in the order the key's messages were published. */
    private static void assertInKeyOrder(List<String> messages, int[] sentPerKey) {
        int[] expected = new int[sentPerKey.length];
        for (String m : messages) {
            String[] parts = m.split(":");
            int k = Integer.parseInt(parts[0].substring("key".length()));
            assertThat(Integer.parseInt(parts[1]))
                    .as("next message of %s", parts[0])
                    .isEqualTo(expected[k]);
            expected[k]++;
        }
        assertThat(expected).isEqualTo(sentPerKey);
    }
}
