package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.RangeCursor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PublishTest extends ClientTestSupport {

    @Test
    void acknowledgesWithThePositionOfEachMessage() {
        ScaleSmallClient client = client(config().lingerMs(50).build());
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(client.publish("orders", bytes("k" + i), bytes("msg-" + i), List.of(Header.of("h", "v" + i))));
        }
        client.flush();

        for (int i = 0; i < 3; i++) {
            PublishAck ack = futures.get(i).join();
            assertThat(ack.stream()).isEqualTo("orders");
            assertThat(ack.rangeId()).isZero();
            assertThat(ack.coordinator()).isEqualTo(FakeServer.NODE);
            assertThat(ack.batchSeq()).isEqualTo(1);
            assertThat(ack.index()).isEqualTo(i);
            assertThat(ack.batchCount()).isEqualTo(3);
            assertThat(ack.duplicate()).isFalse();
            assertThat(ack.timestampMs()).isPositive();
        }
        assertThat(futures.get(1).join().cursorAfter().range(0))
                .isEqualTo(RangeCursor.beginning(0).with(FakeServer.NODE, 0, 2));
        assertThat(futures.get(2).join().cursorAfter().range(0))
                .isEqualTo(RangeCursor.beginning(0).with(FakeServer.NODE, 1, 0));
        assertThat(server.storedPayloads("orders")).containsExactly("msg-0", "msg-1", "msg-2");
        assertThat(server.hellos()).first().satisfies(h -> {
            assertThat(h.clientId()).isEqualTo("test-client");
            assertThat(h.policy()).isEqualTo(DurabilityPolicy.DISK_1);
        });
        assertThat(server.received()).singleElement().satisfies(r -> {
            assertThat(r.producerId()).isEqualTo(client.producerId());
            assertThat(r.producerSeq()).isZero();
            assertThat(r.count()).isEqualTo(3);
        });
    }

    @Test
    void sendsAPartialBatchOnlyAfterItsLingerTime() {
        ScaleSmallClient client = client(config().lingerMs(300).build());
        long start = System.nanoTime();
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(client.publish("linger", null, bytes("m" + i)));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
        assertThat(server.storedBatchSizes("linger")).containsExactly(3);
    }

    @Test
    void sendsAtOnceWhenTheRangeIsIdleWithSendWhenIdle() {
        ScaleSmallClient client =
                client(config().lingerMs(60_000).sendWhenIdle(true).build());

        PublishAck first = client.publish("eager", null, bytes("a"))
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        PublishAck second = client.publish("eager", null, bytes("b"))
                .orTimeout(10, TimeUnit.SECONDS)
                .join();

        assertThat(first.batchCount()).isEqualTo(1);
        assertThat(second.batchSeq()).isEqualTo(first.batchSeq() + 1);
        assertThat(server.storedPayloads("eager")).containsExactly("a", "b");
    }

    @Test
    void lingersWhileAnEarlierBatchAwaitsItsAnswerWithSendWhenIdle() {
        server.holdAcks();
        ScaleSmallClient client =
                client(config().lingerMs(300).sendWhenIdle(true).build());
        CompletableFuture<PublishAck> first = client.publish("busy", null, bytes("m0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.heldAckCount() == 1);
        long start = System.nanoTime();
        List<CompletableFuture<PublishAck>> later = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            later.add(client.publish("busy", null, bytes("m" + i)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.heldAckCount() == 2);

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(250);
        server.releaseAcks();
        assertThat(first.join().batchCount()).isEqualTo(1);
        assertThat(later).allSatisfy(f -> assertThat(f.join().batchCount()).isEqualTo(3));
        assertThat(server.storedBatchSizes("busy")).containsExactly(1, 3);
    }

    @Test
    void sendsFullBatchesWithoutWaitingForLinger() {
        ScaleSmallClient client =
                client(config().lingerMs(60_000).maxBatchBytes(2048).build());
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(client.publish("sized", null, padded("m" + i, 100)));
        }

        await().atMost(Duration.ofSeconds(10))
                .until(() -> futures.stream().filter(CompletableFuture::isDone).count() >= 36);
        assertThat(futures.get(49)).isNotDone();
        List<Integer> sizes = server.storedBatchSizes("sized");
        assertThat(sizes).allSatisfy(n -> assertThat(n).isBetween(17, 19));

        client.flush();
        assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(server.storedBatchSizes("sized").stream()
                        .mapToInt(Integer::intValue)
                        .sum())
                .isEqualTo(50);
        assertThat(labels(server.storedPayloads("sized"))).isEqualTo(range("m", 0, 50));
    }

    @Test
    void blocksPublishersWhileInFlightBytesAreFullAndResumesOnAcks() throws Exception {
        server.holdAcks();
        ScaleSmallClient client = client(config().lingerMs(0)
                .maxInFlightBytes(4096)
                .maxMessageBytes(1000)
                .maxBlockMs(60_000)
                .build());
        AtomicInteger published = new AtomicInteger();
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                futures.add(client.publish("bp", null, padded("m" + i, 100)));
                published.incrementAndGet();
            }
        });
        producer.start();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> producer.getState() == Thread.State.TIMED_WAITING && server.heldAckCount() > 0);
        int whileBlocked = published.get();
        assertThat(whileBlocked).isBetween(30, 45);
        assertThat(client.availableInFlightBytes()).isLessThan(200);

        server.releaseAcks();
        producer.join(10_000);
        assertThat(producer.isAlive()).isFalse();
        assertThat(published.get()).isEqualTo(200);
        client.flush();
        assertThat(futures).allSatisfy(f -> assertThat(f.join().duplicate()).isFalse());
        assertThat(client.availableInFlightBytes()).isEqualTo(4096);
    }

    @Test
    void failsWithBufferFullWhenNoRoomFreesUpWithinMaxBlock() {
        server.holdAcks();
        ScaleSmallClient client = client(config().lingerMs(0)
                .maxInFlightBytes(2048)
                .maxMessageBytes(1000)
                .maxBlockMs(100)
                .build());
        CompletableFuture<PublishAck> failed = null;
        for (int i = 0; i < 100 && failed == null; i++) {
            CompletableFuture<PublishAck> f = client.publish("full", null, padded("m" + i, 100));
            if (f.isCompletedExceptionally()) {
                failed = f;
            }
        }

        assertThat(failed).isNotNull();
        assertThatThrownBy(failed::join)
                .cause()
                .isInstanceOf(BufferFullException.class)
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.BUSY));
        server.releaseAcks();
    }

    @Test
    void resendsUnacknowledgedBatchesUnchangedAndInOrderAfterAConnectionDrop() {
        server.dropOnPublish(3, true);
        ScaleSmallClient client =
                client(config().lingerMs(60_000).maxBatchBytes(1024).build());
        AtomicInteger completions = new AtomicInteger();
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<PublishAck> f = client.publish("drop", null, padded("m" + i, 60));
            f.whenComplete((a, e) -> completions.incrementAndGet());
            futures.add(f);
        }
        client.flush();

        assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(completions.get()).isEqualTo(100);
        assertThat(labels(server.storedPayloads("drop"))).isEqualTo(range("m", 0, 100));
        assertThat(server.hellos()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(futures).anySatisfy(f -> assertThat(f.join().duplicate()).isTrue());

        List<FakeServer.Received> received = server.received();
        int dropAt = indexOfOutcomeStarting(received, "stored+dropped");
        long droppedSeq = received.get(dropAt).producerSeq();
        long firstResent = received.get(dropAt + 1).producerSeq();
        assertThat(firstResent).isLessThanOrEqualTo(droppedSeq);
        assertSequencesContiguousAndUnchanged(received, client.producerId());
    }

    @Test
    void resendsInOrderAfterARetriableErrorAndOutOfOrderAnswers() {
        server.failNextPublishes(ErrorCode.STORAGE_FULL);
        server.holdAcks();
        ScaleSmallClient client =
                client(config().lingerMs(60_000).maxBatchBytes(1024).build());
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            futures.add(client.publish("retry", null, padded("m" + i, 60)));
        }
        client.flushAsync();
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        server.received().stream().anyMatch(r -> r.outcome().startsWith("out-of-order")));
        server.releaseAcks();
        client.flush();

        assertThat(futures).allSatisfy(f -> assertThat(f.join().duplicate()).isFalse());
        assertThat(labels(server.storedPayloads("retry"))).isEqualTo(range("m", 0, 60));
        assertThat(server.received())
                .first()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo("error:STORAGE_FULL"));
        assertSequencesContiguousAndUnchanged(server.received(), client.producerId());
    }

    @Test
    void retriesABatchAnsweredWithOutOfOrderSequence() {
        server.failNextPublishes(ErrorCode.OUT_OF_ORDER_SEQUENCE, ErrorCode.BUSY);
        ScaleSmallClient client = client(config().lingerMs(1).build());
        PublishAck ack = client.publish("ooo", null, bytes("only")).join();

        assertThat(ack.batchSeq()).isEqualTo(1);
        assertThat(server.storedPayloads("ooo")).containsExactly("only");
        assertThat(server.received())
                .extracting(FakeServer.Received::outcome)
                .containsExactly("error:OUT_OF_ORDER_SEQUENCE", "error:BUSY", "stored");
        assertThat(server.received())
                .extracting(FakeServer.Received::producerSeq)
                .containsOnly(0L);
    }

    @Test
    void keepsTheProducerOrderWhenItsRangeIsReplacedUnderLoad() {
        ScaleSmallClient client = client(config().lingerMs(1)
                .maxBatchBytes(1024)
                .deliveryTimeoutMs(20_000)
                .build());
        client.publish("moving", bytes("k"), padded("m0", 60)).join();
        server.replaceRange(7);
        server.holdAcks();
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 1; i < 1000; i++) {
            futures.add(client.publish("moving", bytes("k"), padded("m" + i, 60)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> refusedMessages() == 999);

        // The first refusals arrive before the client knows the successor, the rest after: the
        // successor must still get every message in publish order.
        server.releaseAcks(server.heldAckCount() / 2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.routedRanges("moving").equals(List.of(7)));
        server.releaseAcks();
        client.flush();

        for (CompletableFuture<PublishAck> f : futures) {
            assertThat(f.join().rangeId()).isEqualTo(7);
        }
        assertThat(labels(server.storedPayloads("moving"))).isEqualTo(range("m", 0, 1000));
    }

    @Test
    void theBatchesASplitRangeRefusedAreCutByKeyBetweenItsHalvesInPublishOrder() {
        ScaleSmallClient client = client(config().lingerMs(1)
                .maxBatchBytes(1024)
                .deliveryTimeoutMs(20_000)
                .build());
        client.publish("splitting", bytes("k0"), padded("first", 60)).join();
        server.splitRange(7, 8);
        server.holdAcks();
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            futures.add(client.publish("splitting", bytes("k" + i % 20), padded("m" + i, 60)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> refusedMessages() == 1000);

        // Some refusals arrive before the client knows the halves, the rest after.
        server.releaseAcks(server.heldAckCount() / 2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.routedRanges("splitting").equals(List.of(7, 8)));
        server.releaseAcks();
        client.flush();

        for (int i = 0; i < 1000; i++) {
            assertThat(futures.get(i).join().rangeId())
                    .as("range of message %d", i)
                    .isEqualTo(halfOf("k" + i % 20));
        }
        List<String> stored = server.storedByRange("splitting");
        assertThat(stored).hasSize(1001);
        for (int k = 0; k < 20; k++) {
            String key = "k" + k;
            List<String> expected = new ArrayList<>();
            for (int i = k; i < 1000; i += 20) {
                expected.add(halfOf(key) + ":" + key + ":" + new String(padded("m" + i, 60), StandardCharsets.UTF_8));
            }
            assertThat(stored.stream()
                            .skip(1)
                            .filter(m -> m.split(":")[1].equals(key))
                            .toList())
                    .as("messages of key %s, in the order stored", key)
                    .isEqualTo(expected);
        }
    }

    @Test
    void aClientLearnsASplitFromTheRefusalAloneWithoutAskingForMetadata() {
        ScaleSmallClient client = client(config().lingerMs(1).build());
        client.publish("told", bytes("k0"), padded("first", 60)).join();
        int asked = server.metadataRequests();
        server.placementInErrors();
        server.splitRange(7, 8);

        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            futures.add(client.publish("told", bytes("k" + i % 10), padded("m" + i, 60)));
        }
        client.flush();

        for (int i = 0; i < 100; i++) {
            assertThat(futures.get(i).join().rangeId()).isEqualTo(halfOf("k" + i % 10));
        }
        assertThat(client.routedRanges("told")).containsExactly(7, 8);
        assertThat(server.metadataRequests())
                .as("METADATA requests after the split")
                .isEqualTo(asked);
    }

    /** The range of a key after the split of the key space into ranges 7 and 8. */
    private static int halfOf(String key) {
        return Integer.toUnsignedLong(Murmur3.hash32(bytes(key), 0)) < 0x8000_0000L ? 7 : 8;
    }

    private long refusedMessages() {
        return server.received().stream()
                .filter(r -> r.outcome().equals("error:RANGE_SEALED"))
                .mapToLong(FakeServer.Received::count)
                .sum();
    }

    @Test
    void failsTheBatchOnANonRetriableErrorAndKeepsPublishingTheRest() {
        server.failNextPublishes(ErrorCode.INVALID_BATCH);
        ScaleSmallClient client =
                client(config().lingerMs(60_000).maxBatchBytes(1024).build());
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            futures.add(client.publish("nonretriable", null, padded("m" + i, 60)));
        }
        client.flush();

        int firstBatch = server.received().get(0).count();
        for (int i = 0; i < 60; i++) {
            CompletableFuture<PublishAck> f = futures.get(i);
            if (i < firstBatch) {
                assertThatThrownBy(f::join)
                        .isInstanceOf(CompletionException.class)
                        .cause()
                        .isInstanceOf(ScaleSmallException.class)
                        .satisfies(e -> {
                            assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.INVALID_BATCH);
                            assertThat(((ScaleSmallException) e).detail()).isEqualTo("injected INVALID_BATCH");
                        });
            } else {
                assertThat(f.join().duplicate()).isFalse();
            }
        }
        assertThat(labels(server.storedPayloads("nonretriable"))).isEqualTo(range("m", firstBatch, 60));

        CompletableFuture<PublishAck> later = client.publish("nonretriable", null, bytes("later"));
        client.flush();
        assertThat(later.join().duplicate()).isFalse();
    }

    @Test
    void rejectsAMessageAboveTheClientLimitWithoutSendingIt() {
        ScaleSmallClient client = client(config().maxMessageBytes(1000).build());
        CompletableFuture<PublishAck> f = client.publish("big", null, new byte[2000]);

        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join)
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
        assertThat(client.publish("big", null, new byte[900]).join().duplicate())
                .isFalse();
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void appliesTheServersSmallerMessageLimitOnceConnected() {
        server.limits(4 * 1024 * 1024, 500);
        ScaleSmallClient client = client();
        client.publish("limits", null, new byte[100]).join();

        CompletableFuture<PublishAck> f = client.publish("limits", null, new byte[600]);
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join)
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
    }

    @Test
    void failsPublishesWithTheServersReasonWhenTheSessionIsRefused() {
        server.refuseHello(ErrorCode.POLICY_NOT_SATISFIABLE, "disk=3 needs 3 nodes, the cluster has 1");
        ScaleSmallClient client =
                client(config().durability(new DurabilityPolicy(3, 3)).build());
        CompletableFuture<PublishAck> f = client.publish("refused", null, bytes("x"));

        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(ScaleSmallException.class)
                .satisfies(e -> {
                    assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.POLICY_NOT_SATISFIABLE);
                    assertThat(e.getMessage()).contains("the cluster has 1");
                });

        server.acceptHello();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.publish("refused", null, bytes("y"))
                        .orTimeout(10, TimeUnit.SECONDS)
                        .handle((ack, error) -> ack != null)
                        .join());
        assertThat(server.storedPayloads("refused")).isNotEmpty().containsOnly("y");
    }

    @Test
    void treatsAnUnansweredRequestAsALostConnection() {
        server.ignoreNextPublishes(1);
        ScaleSmallClient client = client(config().requestTimeoutMs(300).build());
        PublishAck ack = client.publish("silent", null, bytes("x"))
                .orTimeout(10, TimeUnit.SECONDS)
                .join();

        assertThat(ack.duplicate()).isTrue();
        assertThat(ack.batchSeq()).isEqualTo(1);
        // The bootstrap connection, the range's node connection, and that one again.
        assertThat(server.hellos()).hasSize(3);
        assertThat(server.storedPayloads("silent")).containsExactly("x");
    }

    @Test
    void failsWithTimeoutWhenNoServerAnswersWithinTheDeliveryTimeout() {
        server.close();
        ScaleSmallClient client = client(config().deliveryTimeoutMs(300).build());
        CompletableFuture<PublishAck> f = client.publish("nowhere", null, bytes("x"));

        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.TIMEOUT));
        assertThat(client.availableInFlightBytes()).isEqualTo(ClientConfig.DEFAULT_MAX_IN_FLIGHT_BYTES);
    }

    @Test
    void keepsPublishingToARangeAfterOneOfItsBatchesExpired() throws InterruptedException {
        int port = server.port();
        server.close();
        ScaleSmallClient client = client(config().deliveryTimeoutMs(300).build());
        CompletableFuture<PublishAck> expired = client.publish("expiry", null, bytes("lost"));
        assertThatThrownBy(() -> expired.get(10, TimeUnit.SECONDS))
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.TIMEOUT));

        try (FakeServer restarted = new FakeServer(port)) {
            PublishAck ack = client.publish("expiry", null, bytes("kept"))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();
            assertThat(ack.batchSeq()).isEqualTo(1);
            assertThat(restarted.storedPayloads("expiry")).containsExactly("kept");
            // The expired message never reached the server: only the later one is stored, first in
            // its range.
            assertThat(restarted.received()).singleElement().satisfies(r -> {
                assertThat(r.producerSeq()).isZero();
                assertThat(r.producerId()).isNotZero();
            });
        }
    }

    @Test
    void movesToTheNextServerWhenOneIsShuttingDown() throws InterruptedException {
        server.refuseHello(ErrorCode.SHUTTING_DOWN, "draining");
        try (FakeServer second = new FakeServer()) {
            ScaleSmallClient client = client(config().servers(second.address()).build());
            PublishAck ack = client.publish("failover", null, bytes("x"))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();

            assertThat(ack.batchSeq()).isEqualTo(1);
            assertThat(server.hellos()).isNotEmpty();
            assertThat(server.storedPayloads("failover")).isEmpty();
            assertThat(second.storedPayloads("failover")).containsExactly("x");
        }
    }

    @Test
    void sendsMessagesWithAnOverridePolicyInTheirOwnBatch() {
        ScaleSmallClient client = client(config().lingerMs(50).build());
        CompletableFuture<PublishAck> a = client.publish("policy", null, bytes("a"));
        CompletableFuture<PublishAck> b = client.publish("policy", null, bytes("b"), null, DurabilityPolicy.MEMORY_1);
        CompletableFuture<PublishAck> c = client.publish("policy", null, bytes("c"));
        client.flush();

        assertThat(a.join().batchSeq()).isEqualTo(c.join().batchSeq());
        assertThat(b.join().batchSeq()).isNotEqualTo(a.join().batchSeq());
        assertThat(server.storedBatchSizes("policy")).containsExactlyInAnyOrder(2, 1);
    }

    @Test
    void failsUnacknowledgedMessagesWhenClosed() {
        server.holdAcks();
        ScaleSmallClient client = client(config().lingerMs(0).build());
        CompletableFuture<PublishAck> f = client.publish("closing", null, bytes("x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.heldAckCount() == 1);
        client.close(Duration.ofMillis(100));

        assertThatThrownBy(f::join)
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
        assertThat(client.publish("closing", null, bytes("y"))).isCompletedExceptionally();
    }

    @Test
    void rejectsAnInvalidStreamName() {
        ScaleSmallClient client = client();
        CompletableFuture<PublishAck> f = client.publish("bad name!", null, bytes("x"));

        assertThatThrownBy(f::join)
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.INVALID_STREAM_NAME));
    }

    private static int indexOfOutcomeStarting(List<FakeServer.Received> received, String prefix) {
        for (int i = 0; i < received.size(); i++) {
            if (received.get(i).outcome().startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no publish with outcome " + prefix + " in " + received);
    }

    /**
     * Every batch sent more than once was sent with the same count, and the stored batches'
     * sequences are contiguous from 0.
     */
    private static void assertSequencesContiguousAndUnchanged(List<FakeServer.Received> received, long producerId) {
        java.util.Map<Long, Integer> countBySeq = new java.util.HashMap<>();
        for (FakeServer.Received r : received) {
            assertThat(r.producerId()).isEqualTo(producerId);
            Integer previous = countBySeq.putIfAbsent(r.producerSeq(), r.count());
            if (previous != null) {
                assertThat(r.count())
                        .as("resent batch at seq " + r.producerSeq())
                        .isEqualTo(previous);
            }
        }
        long expected = 0;
        for (FakeServer.Received r : received) {
            if (r.outcome().startsWith("stored")) {
                assertThat(r.producerSeq()).isEqualTo(expected);
                expected += r.count();
            }
        }
    }
}
