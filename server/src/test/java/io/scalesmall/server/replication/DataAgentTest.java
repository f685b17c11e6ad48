package io.scalesmall.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.protocol.ReplicateHeader;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.cluster.HybridLogicalClock;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.RangeDirectory;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.storage.DiskUsage;
import io.scalesmall.server.storage.RangeLog;
import io.scalesmall.server.storage.StorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data agent on its own, with a controlled clock: acks per policy, idempotence, retention. */
class DataAgentTest {
    private static final NodeId NODE = new NodeId(7, 7);
    private static final long START_MS = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong nowMs = new AtomicLong(START_MS);
    private final RecordingSink sink = new RecordingSink();
    private DataAgent agent;
    private StreamCatalog catalog;

    /** Remembers every answer. */
    static final class RecordingSink implements AckSink {
        record Answer(int requestId, PublishResponse ok, ErrorCode error) {}

        final List<Answer> answers = new CopyOnWriteArrayList<>();

        @Override
        public void publishOk(
                int requestId,
                int inFlightBytes,
                PublishResponse response,
                DurabilityPolicy policy,
                long receivedNanos) {
            answers.add(new Answer(requestId, response, null));
        }

        @Override
        public void publishFailed(int requestId, int inFlightBytes, ErrorCode code, String message) {
            answers.add(new Answer(requestId, null, code));
        }

        @Override
        public void flush() {}

        Answer await(int requestId) {
            return org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(
                            () -> answers.stream()
                                    .filter(a -> a.requestId == requestId)
                                    .findFirst()
                                    .orElse(null),
                            a -> a != null);
        }
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private void start(RetentionConfig retention, int segmentBytes) throws Exception {
        DataAgentConfig config = new DataAgentConfig(
                StorageConfig.defaults().withSegmentBytes(segmentBytes),
                retention,
                StreamOptions.DEFAULT,
                1 << 20,
                DataAgentConfig.DEFAULT_PRODUCER_EXPIRY_MS,
                1024,
                10);
        catalog = StreamCatalog.load(dir.resolve("streams"), NODE);
        agent = new DataAgent(
                config,
                NODE,
                catalog,
                new SingleNodeDirectory(catalog),
                PeerSender.NONE,
                new HybridLogicalClock(0),
                nowMs::get);
        agent.start();
    }

    /**
     * Placement for one node: every stream has one range, id 0, over the whole key space, held
     * here; it exists as soon as something asks for it.
     */
    static final class SingleNodeDirectory implements RangeDirectory {
        private final StreamCatalog catalog;

        SingleNodeDirectory(StreamCatalog catalog) {
            this.catalog = catalog;
        }

        void create(String stream, StreamOptions options) {
            try {
                catalog.putStream(new StreamClaim(
                        stream, options.replicationFactor(), options.retentionMs(), options.retentionBytes(), 1, 0));
                catalog.putRange(new RangeClaim(stream, 0, 0, RangeClaim.KEY_SPACE, 0, List.of(NODE), false));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public RangeClaim held(String stream, int rangeId) {
            if (rangeId == 0 && catalog.stream(stream) == null) {
                create(stream, StreamOptions.DEFAULT);
            }
            return catalog.range(stream, rangeId);
        }

        @Override
        public RangeClaim adopt(RangeDescriptor range) {
            throw new UnsupportedOperationException("one node adopts nothing");
        }

        @Override
        public boolean isLive(NodeId node) {
            return true;
        }

        @Override
        public List<NodeId> holders(String stream, int rangeId) {
            return List.of(NODE);
        }
    }

    private static RetentionConfig noWatermark() {
        return new RetentionConfig(100, -1, 1, new FakeVolume(100, 100));
    }

    /** A volume with fixed figures. */
    record FakeVolume(long totalBytes, long usableBytes) implements DiskUsage.VolumeStats {}

    private static ByteBuf batch(long producerId, long producerSeq, int count, int recordBytes) {
        ByteBuf raw = Unpooled.buffer();
        byte[] records = new byte[recordBytes];
        new java.util.Random(producerSeq).nextBytes(records);
        BatchFormat.writeUnstampedHeader(raw, count, producerId, producerSeq, START_MS, records.length);
        raw.writeBytes(records);
        return BatchCompression.compress(raw, 0, Unpooled.buffer().alloc());
    }

    private void publish(int requestId, String stream, long producer, long seq, int count, DurabilityPolicy policy) {
        publish(requestId, stream, producer, seq, count, policy, 100);
    }

    private void publish(
            int requestId, String stream, long producer, long seq, int count, DurabilityPolicy policy, int bytes) {
        ByteBuf b = batch(producer, seq, count, bytes);
        assertThat(agent.execute(() -> agent.publish(stream, 0, b, policy, sink, requestId, 100, 0)))
                .isTrue();
    }

    @Test
    void diskPolicyIsAnsweredOnlyOnceTheLogIsDurablePastTheBatch() throws Exception {
        start(noWatermark(), 1 << 20);
        publish(1, "s", 1, 0, 3, DurabilityPolicy.DISK_1);
        RecordingSink.Answer a = sink.await(1);
        assertThat(a.ok().diskAcks()).isEqualTo(1);
        assertThat(agent.log("s", 0).durableIndex()).isGreaterThanOrEqualTo(a.ok().batchSeq());
        assertThat(BatchFormat.hlcMillis(a.ok().hlcTime())).isEqualTo(START_MS);
    }

    @Test
    void duplicateIsAcknowledgedWithTheOriginalPositionAndStoredOnce() throws Exception {
        start(noWatermark(), 1 << 20);
        publish(1, "s", 9, 0, 2, DurabilityPolicy.MEMORY_1);
        publish(2, "s", 9, 2, 2, DurabilityPolicy.MEMORY_1);
        publish(3, "s", 9, 0, 2, DurabilityPolicy.DISK_1);
        RecordingSink.Answer again = sink.await(3);
        assertThat(again.ok().duplicate()).isTrue();
        assertThat(again.ok().batchSeq()).isEqualTo(sink.await(1).ok().batchSeq());
        assertThat(again.ok().diskAcks()).isEqualTo(1);
        assertThat(agent.log("s", 0).batchCount()).isEqualTo(2);
    }

    @Test
    void hybridClockNeverGoesBackwardsWhenTheWallClockDoes() throws Exception {
        start(noWatermark(), 1 << 20);
        publish(1, "s", 1, 0, 1, DurabilityPolicy.MEMORY_1);
        long first = sink.await(1).ok().hlcTime();
        nowMs.addAndGet(-60_000);
        publish(2, "s", 1, 1, 1, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(2).ok().hlcTime()).isGreaterThan(first);
    }

    @Test
    void streamAgeLimitDeletesOldSegmentsButNeverTheActiveOne() throws Exception {
        start(noWatermark(), 1024);
        new SingleNodeDirectory(catalog).create("aged", new StreamOptions(1, 60_000, -1));
        for (int i = 0; i < 20; i++) {
            publish(i + 1, "aged", 1, i, 1, DurabilityPolicy.MEMORY_1, 500);
        }
        sink.await(20);
        RangeLog log = agent.log("aged", 0);
        int segments = log.segmentCount();
        assertThat(segments).isGreaterThan(2);
        nowMs.addAndGet(30_000);
        assertThat(log.firstIndex()).isEqualTo(1);
        nowMs.addAndGet(31_000 + 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.segmentCount() == 1);
        assertThat(log.firstIndex()).isGreaterThan(1);
        assertThat(log.nextIndex()).isEqualTo(21);
    }

    @Test
    void overTheHighWatermarkTheOldestSegmentsAcrossStreamsGoFirst() throws Exception {
        start(new RetentionConfig(90, 8_000, 1, null), 1024);
        for (int i = 0; i < 10; i++) {
            publish(i + 1, "older", 1, i, 1, DurabilityPolicy.MEMORY_1, 500);
        }
        sink.await(10);
        nowMs.addAndGet(1_000);
        for (int i = 0; i < 10; i++) {
            publish(100 + i, "newer", 2, i, 1, DurabilityPolicy.MEMORY_1, 500);
        }
        sink.await(109);
        RangeLog older = agent.log("older", 0);
        RangeLog newer = agent.log("newer", 0);
        // Retention runs once per check interval of the agent's (fake) clock: move it on while
        // waiting, or a run that happened between the two bursts would be the last one.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            nowMs.addAndGet(2);
            return older.sizeBytes() + newer.sizeBytes() <= 8_000;
        });
        assertThat(older.firstIndex()).isGreaterThan(1);
        assertThat(newer.firstIndex())
                .as("newer data kept while older data could go")
                .isEqualTo(1);
    }

    @Test
    void outOfOrderSequenceIsRefusedNamingTheExpectedOne() throws Exception {
        start(noWatermark(), 1 << 20);
        publish(1, "s", 4, 0, 5, DurabilityPolicy.MEMORY_1);
        publish(2, "s", 4, 9, 1, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(2).error()).isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        publish(3, "s", 4, 3, 4, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(3).error()).isEqualTo(ErrorCode.INVALID_SEQUENCE);
    }

    @Test
    void aSealedRangeVoidsTheBatchesItRefusedWhereverTheyTurnUpLater() throws Exception {
        start(noWatermark(), 1 << 20);
        publish(1, "s", 7, 0, 3, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(1).ok()).isNotNull();
        // Placement replaces the range: it is sealed here.
        catalog.putRange(new RangeClaim("s", 0, 0, RangeClaim.KEY_SPACE, 0, List.of(NODE), true));
        publish(2, "s", 7, 3, 2, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(2).error()).isEqualTo(ErrorCode.RANGE_SEALED);
        assertThat(agent.log("s", 0).durableIndex())
                .as("the refusal marker (the second batch) is on disk before the refusal is answered,"
                        + " whatever the publish's own policy")
                .isGreaterThanOrEqualTo(2);
        assertThat(agent.refusals("s", 0).covers(7, 3)).isTrue();
        assertThat(agent.refusals("s", 0).covers(7, 5))
                .as("only the refused batch's span")
                .isFalse();

        // The refused batch turns up later, stamped by a node that was cut off (repair brings it
        // after the partition heals), with another producer's batch: only the refused one is void.
        NodeId cutOff = new NodeId(5, 5);
        ByteBuf late = Unpooled.buffer();
        for (long[] b : new long[][] {{7, 3, 2, 1}, {8, 0, 1, 2}}) {
            ByteBuf one = batch(b[0], b[1], (int) b[2], 100);
            BatchFormat.stamp(one, 0, cutOff, b[3], (START_MS << 16) + b[3]);
            BatchFormat.writeCrc(one, 0);
            late.writeBytes(one);
            one.release();
        }
        RangeDescriptor range = RangeReplica.descriptorOf(catalog.range("s", 0));
        agent.execute(() -> agent.replicate(new ReplicateHeader(range, cutOff), late));
        RangeLog log = agent.log("s", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.batchCount() == 4);

        List<String> stored = new java.util.ArrayList<>();
        log.forEachBatchHeader((index, h) -> stored.add("producer " + h.producerId() + " seq " + h.producerSeq()
                + ((h.attributes() & BatchFormat.REFUSAL_FLAG) != 0 ? " refusal" : "")
                + ((h.attributes() & BatchFormat.DUPLICATE_FLAG) != 0 ? " void" : "")));
        assertThat(stored)
                .containsExactly(
                        "producer 7 seq 0",
                        "producer 7 seq 3 refusal void",
                        "producer 7 seq 3 void",
                        "producer 8 seq 0");

        // The refusal is in the log: a restarted node knows it.
        agent.close();
        start(noWatermark(), 1 << 20);
        assertThat(agent.refusals("s", 0).covers(7, 3)).isTrue();
        assertThat(agent.refusals("s", 0).covers(7, 0)).isFalse();
    }

    /** A batch stamped by {@code coordinator} as its {@code batchSeq}-th, ready to replicate. */
    private static ByteBuf stamped(long producer, long producerSeq, int count, NodeId coordinator, long batchSeq) {
        ByteBuf b = batch(producer, producerSeq, count, 100);
        BatchFormat.stamp(b, 0, coordinator, batchSeq, (START_MS << 16) + batchSeq);
        BatchFormat.writeCrc(b, 0);
        return b;
    }

    /** A refusal marker stamped by {@code coordinator}, as another replica of a sealed range writes it. */
    private static ByteBuf marker(long producer, long producerSeq, int count, NodeId coordinator, long batchSeq) {
        ByteBuf b = Unpooled.buffer();
        BatchFormat.writeRefusalMarker(b, producer, producerSeq, count, START_MS);
        BatchFormat.stamp(b, 0, coordinator, batchSeq, (START_MS << 16) + batchSeq);
        BatchFormat.writeCrc(b, 0);
        return b;
    }

    private void replicate(NodeId from, ByteBuf... batches) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b : batches) {
            all.writeBytes(b);
            b.release();
        }
        RangeDescriptor range = RangeReplica.descriptorOf(catalog.range("s", 0));
        assertThat(agent.execute(() -> agent.replicate(new ReplicateHeader(range, from), all)))
                .isTrue();
    }

    @Test
    void aRefusalVoidsOnlyTheRefusedBatchSoALaterOneStoredAndAcknowledgedCounts() throws Exception {
        // This node was cut off while a producer's batches [0, 3) and [3, 5) reached it; another
        // replica refused [0, 3) as sealed (the producer moved it), the producer then retried
        // [3, 5) here, which holds it: acknowledged, and it must stay readable.
        start(noWatermark(), 1 << 20);
        publish(1, "s", 7, 0, 3, DurabilityPolicy.MEMORY_1);
        publish(2, "s", 7, 3, 2, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(2).ok()).isNotNull();
        catalog.putRange(new RangeClaim("s", 0, 0, RangeClaim.KEY_SPACE, 0, List.of(NODE), true));
        NodeId other = new NodeId(5, 5);
        replicate(other, marker(7, 0, 3, other, 1));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> agent.refusals("s", 0).covers(7, 0));

        publish(3, "s", 7, 3, 2, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(3).ok().duplicate()).isTrue();
        publish(4, "s", 7, 0, 3, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(4).error())
                .as("a retry of the refused batch is refused again, not acknowledged")
                .isEqualTo(ErrorCode.RANGE_SEALED);
        assertThat(agent.refusals("s", 0).covers(7, 3)).isFalse();
    }

    @Test
    void aReplicaTakesAProducersLaterBatchAcrossARefusedSpanInsteadOfWaitingForIt() throws Exception {
        // This replica holds the producer's [0, 3); [3, 5) was refused elsewhere and will never be
        // stored; [5, 9), stored and acknowledged by a node that was cut off, arrives by repair.
        start(noWatermark(), 1 << 20);
        publish(1, "s", 7, 0, 3, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(1).ok()).isNotNull();
        catalog.putRange(new RangeClaim("s", 0, 0, RangeClaim.KEY_SPACE, 0, List.of(NODE), true));
        NodeId refuser = new NodeId(5, 5);
        NodeId cutOff = new NodeId(6, 6);
        replicate(refuser, marker(7, 3, 2, refuser, 1));
        replicate(cutOff, stamped(7, 3, 2, cutOff, 1), stamped(7, 5, 4, cutOff, 2));
        RangeLog log = agent.log("s", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.batchCount() == 4);

        List<String> stored = new java.util.ArrayList<>();
        log.forEachBatchHeader((index, h) -> stored.add(
                "seq " + h.producerSeq() + ((h.attributes() & BatchFormat.DUPLICATE_FLAG) != 0 ? " void" : "")));
        assertThat(stored).containsExactly("seq 0", "seq 3 void", "seq 3 void", "seq 5");
        publish(2, "s", 7, 5, 4, DurabilityPolicy.MEMORY_1);
        assertThat(sink.await(2).ok().duplicate())
                .as("the later batch counts as stored")
                .isTrue();
    }
}
