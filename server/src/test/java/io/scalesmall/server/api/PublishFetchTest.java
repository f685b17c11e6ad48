package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.server.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publish and read paths of one node, spoken to at the byte level. */
class PublishFetchTest {
    @TempDir
    Path dir;

    private Node node;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, "write.buffer.high.bytes", "65536", "write.buffer.low.bytes", "32768");
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private RawClient helloed(DurabilityPolicy policy) throws IOException {
        RawClient c = new RawClient(node.address());
        assertThat(c.hello(policy).type()).isEqualTo(FrameType.HELLO_OK);
        return c;
    }

    private List<String> fetchAll(RawClient c, String stream, StartPosition from) throws IOException {
        c.fetch(99, new FetchRequest(stream, c.range(stream), from, 1 << 20, 0));
        RawClient.Frame f = c.read();
        assertThat(f.type()).isEqualTo(FrameType.FETCH_OK);
        return TestNodes.payloads(f.body());
    }

    @Test
    void acksAfterMemoryWhenPolicyIsMemory1() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            c.publish(2, "s", 1, 0, List.of("a", "b"), null);
            RawClient.Frame f = c.read();
            PublishResponse ack = PublishResponse.read(f.body());
            assertThat(ack.batchSeq()).isEqualTo(1);
            assertThat(ack.coordinator()).isEqualTo(node.nodeId());
            assertThat(ack.memoryAcks()).isEqualTo(1);
            assertThat(ack.duplicate()).isFalse();
            assertThat(fetchAll(c, "s", StartPosition.beginning())).containsExactly("a", "b");
        }
    }

    @Test
    void aPublishToARangeThisNodeDoesNotHoldIsToldTheStreamsPlacement() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            int held = c.range("s");
            int notHeld = held + 1;
            c.send(FrameType.PUBLISH, 5, b -> {
                PublishRequest.writePrefix(b, "s", notHeld, null);
                RawClient.writeBatch(b, 9, 0, List.of("lost?"));
            });

            RawClient.Frame f = c.read();
            assertThat(f.type()).isEqualTo(FrameType.ERROR);
            ErrorResponse error = ErrorResponse.read(f.body());
            assertThat(error.code()).isEqualTo(ErrorCode.NOT_A_REPLICA);
            assertThat(error.placement())
                    .as("the placement a wrong-node answer carries")
                    .isNotNull();
            assertThat(error.placement().streams()).singleElement().satisfies(stream -> {
                assertThat(stream.name()).isEqualTo("s");
                assertThat(stream.ranges())
                        .singleElement()
                        .satisfies(r -> assertThat(r.rangeId()).isEqualTo(held));
            });
            assertThat(fetchAll(c, "s", StartPosition.beginning())).isEmpty();
        }
    }

    @Test
    void acksAfterFsyncWhenPolicyIsDisk1() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.DISK_1)) {
            for (int i = 0; i < 20; i++) {
                c.publish(10 + i, "s", 1, i, List.of("m" + i), null);
                PublishResponse ack = PublishResponse.read(c.read().body());
                assertThat(ack.diskAcks()).isEqualTo(1);
                assertThat(node.agent().log("s", c.range("s")).durableIndex()).isGreaterThanOrEqualTo(ack.batchSeq());
            }
        }
    }

    @Test
    void perBatchPolicyOverridesTheSession() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            c.publish(2, "s", 1, 0, List.of("a"), DurabilityPolicy.DISK_1);
            PublishResponse ack = PublishResponse.read(c.read().body());
            assertThat(ack.diskAcks()).isEqualTo(1);
        }
    }

    @Test
    void retryAfterReconnectIsStoredOnceAndAckedAgainWithItsPosition() throws IOException {
        PublishResponse first;
        try (RawClient c = helloed(DurabilityPolicy.DISK_1)) {
            c.publish(2, "s", 77, 0, List.of("a", "b"), null);
            first = PublishResponse.read(c.read().body());
        }
        try (RawClient c = helloed(DurabilityPolicy.DISK_1)) {
            c.publish(2, "s", 77, 0, List.of("a", "b"), null);
            PublishResponse again = PublishResponse.read(c.read().body());
            assertThat(again.duplicate()).isTrue();
            assertThat(again.batchSeq()).isEqualTo(first.batchSeq());
            c.publish(3, "s", 77, 2, List.of("c"), null);
            assertThat(PublishResponse.read(c.read().body()).duplicate()).isFalse();
            assertThat(fetchAll(c, "s", StartPosition.beginning())).containsExactly("a", "b", "c");
        }
    }

    @Test
    void retryAfterRestartIsStoredOnce() throws Exception {
        try (RawClient c = helloed(DurabilityPolicy.DISK_1)) {
            c.publish(2, "s", 5, 0, List.of("a"), null);
            c.read();
        }
        node.close();
        node = TestNodes.start(dir);
        try (RawClient c = helloed(DurabilityPolicy.DISK_1)) {
            c.publish(2, "s", 5, 0, List.of("a"), null);
            assertThat(PublishResponse.read(c.read().body()).duplicate()).isTrue();
            assertThat(fetchAll(c, "s", StartPosition.beginning())).containsExactly("a");
        }
    }

    @Test
    void gapInProducerSequenceIsOutOfOrderAndStoresNothing() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            c.publish(2, "s", 9, 0, List.of("a"), null);
            c.read();
            c.publish(3, "s", 9, 5, List.of("x"), null);
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
            assertThat(f.error().message()).contains("expects 1");
            assertThat(fetchAll(c, "s", StartPosition.beginning())).containsExactly("a");
        }
    }

    @Test
    void fetchResumesFromACursorInsideABatch() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            c.publish(2, "s", 1, 0, List.of("a", "b", "c"), null);
            c.read();
            c.publish(3, "s", 1, 3, List.of("d"), null);
            c.read();
            RangeCursor afterB = new RangeCursor(c.range("s"), List.of(new RangeCursor.Entry(node.nodeId(), 0, 2)));
            assertThat(fetchAll(c, "s", StartPosition.cursor(afterB))).containsExactly("c", "d");
            RangeCursor afterFirstBatch =
                    new RangeCursor(c.range("s"), List.of(new RangeCursor.Entry(node.nodeId(), 1, 0)));
            assertThat(fetchAll(c, "s", StartPosition.cursor(afterFirstBatch))).containsExactly("d");
            assertThat(fetchAll(c, "s", StartPosition.end())).isEmpty();
        }
    }

    @Test
    void cursorOfAnotherRangeIsRefused() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            c.publish(2, "s", 1, 0, List.of("a"), null);
            c.read();
            RangeCursor other = new RangeCursor(c.range("s") + 1, List.of());
            c.fetch(3, new FetchRequest("s", c.range("s"), StartPosition.cursor(other), 1024, 0));
            assertThat(c.read().error().code()).isEqualTo(ErrorCode.INVALID_CURSOR);
        }
    }

    @Test
    void cursorNamingOnlyUnknownCoordinatorsReadsEverythingHere() throws IOException {
        try (RawClient c = helloed(DurabilityPolicy.MEMORY_1)) {
            c.publish(2, "s", 1, 0, List.of("a"), null);
            c.read();
            // A coordinator this replica never saw: its batches are elsewhere; everything here is new.
            RangeCursor foreign = new RangeCursor(
                    c.range("s"), List.of(new RangeCursor.Entry(new io.scalesmall.protocol.NodeId(1, 2), 5, 0)));
            assertThat(fetchAll(c, "s", StartPosition.cursor(foreign))).containsExactly("a");
        }
    }

    @Test
    void fetchWithWaitAnswersWhenDataArrives() throws IOException {
        try (RawClient reader = helloed(DurabilityPolicy.MEMORY_1);
                RawClient writer = helloed(DurabilityPolicy.MEMORY_1)) {
            writer.publish(2, "s", 1, 0, List.of("first"), null);
            writer.read();
            // From just after "first", not from the end: the end would race with the publish
            // below, which travels on another connection.
            RangeCursor afterFirst =
                    new RangeCursor(reader.range("s"), List.of(new RangeCursor.Entry(node.nodeId(), 1, 0)));
            reader.fetch(
                    5, new FetchRequest("s", reader.range("s"), StartPosition.cursor(afterFirst), 1 << 20, 30_000));
            writer.publish(3, "s", 1, 1, List.of("second"), null);
            writer.read();
            RawClient.Frame f = reader.read();
            assertThat(f.requestId()).isEqualTo(5);
            assertThat(TestNodes.payloads(f.body())).containsExactly("second");
        }
    }

    @Test
    void subscriptionPushesBatchesAsTheyArrive() throws IOException {
        try (RawClient reader = helloed(DurabilityPolicy.MEMORY_1);
                RawClient writer = helloed(DurabilityPolicy.MEMORY_1)) {
            writer.publish(2, "s", 1, 0, List.of("old"), null);
            writer.read();
            int rangeId = reader.range("s");
            reader.send(
                    FrameType.SUBSCRIBE,
                    40,
                    b -> new FetchRequest("s", rangeId, StartPosition.beginning(), 1 << 20, 0).write(b));
            RawClient.Frame first = reader.read();
            assertThat(first.type()).isEqualTo(FrameType.SUBSCRIBE_DATA);
            assertThat(TestNodes.payloads(first.body())).containsExactly("old");
            for (int i = 1; i <= 3; i++) {
                writer.publish(2 + i, "s", 1, i, List.of("new" + i), null);
                writer.read();
                RawClient.Frame f = reader.read();
                assertThat(f.requestId()).isEqualTo(40);
                assertThat(TestNodes.payloads(f.body())).containsExactly("new" + i);
                ByteBuf batches = f.body().duplicate();
                DataResponse.readPrefix(batches);
                assertThat(BatchFormat.batchSeq(batches, batches.readerIndex())).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void clientThatNeverReadsItsAcksIsThrottledWhileOthersAreServed() throws Exception {
        AtomicLong sent = new AtomicLong();
        RawClient greedy = new RawClient(node.address());
        greedy.socket().setReceiveBufferSize(4096);
        assertThat(greedy.hello(DurabilityPolicy.MEMORY_1).type()).isEqualTo(FrameType.HELLO_OK);
        int limit = 2_000_000;
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < limit; i++) {
                    greedy.publish(i, "greedy", 3, i, List.of("x"), null);
                    sent.incrementAndGet();
                }
            } catch (IOException e) {
                // the socket is closed at the end of the test
            }
        });
        writer.setDaemon(true);
        writer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() > 1000);
        long[] last = {-1};
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    long now = sent.get();
                    boolean stalled = now == last[0];
                    last[0] = now;
                    return stalled;
                });
        long stalledAt = sent.get();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> sent.get() == stalledAt);
        assertThat(stalledAt).isLessThan(limit);
        try (RawClient other = helloed(DurabilityPolicy.DISK_1)) {
            other.publish(2, "other", 1, 0, List.of("fine"), null);
            assertThat(other.read().type()).isEqualTo(FrameType.PUBLISH_OK);
            assertThat(fetchAll(other, "other", StartPosition.beginning())).containsExactly("fine");
        }
        greedy.close();
        writer.join(10_000);
    }
}
