package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.StartPosition;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SubscribeTest extends ClientTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(15);

    /** Collects message labels; runs an optional hook on the delivery thread after each. */
    static final class Collector implements MessageHandler {
        final List<String> labels = Collections.synchronizedList(new ArrayList<>());
        final List<ScaleSmallException> errors = Collections.synchronizedList(new ArrayList<>());
        volatile Consumer<Message> hook = m -> {};

        @Override
        public void onMessage(Message message) {
            hook.accept(message);
            labels.add(label(text(message.payload())));
        }

        @Override
        public void onError(ScaleSmallException error) {
            errors.add(error);
        }

        List<String> snapshot() {
            synchronized (labels) {
                return List.copyOf(labels);
            }
        }
    }

    private ScaleSmallClient publisher() {
        return client(config().lingerMs(60_000).maxBatchBytes(1024).build());
    }

    private static List<CompletableFuture<PublishAck>> publishAll(
            ScaleSmallClient client, String stream, int from, int to) {
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = from; i < to; i++) {
            futures.add(client.publish(stream, null, padded("m" + i, 60)));
        }
        client.flush();
        return futures;
    }

    @Test
    void deliversEveryMessageFromTheBeginningThenLiveOnes() {
        long createdAt = 1_700_000_000_000L;
        ScaleSmallClient client = client(config().lingerMs(60_000)
                .maxBatchBytes(1024)
                .clock(Clock.fixed(Instant.ofEpochMilli(createdAt), ZoneOffset.UTC))
                .build());
        client.publish("s", bytes("key"), bytes("first|"), List.of(Header.of("h", "v")));
        publishAll(client, "s", 1, 100);
        Collector collector = new Collector();
        AtomicReference<String> checked = new AtomicReference<>();
        collector.hook = m -> {
            if (m.batchSeq() == 1 && m.indexInBatch() == 0) {
                ByteBuffer view = m.payloadBuffer();
                byte[] viewed = new byte[view.remaining()];
                view.get(viewed);
                checked.set(
                        m.stream() + " " + m.rangeId() + " " + m.coordinator().equals(FakeServer.NODE) + " "
                                + text(m.key()) + " " + m.headers() + " " + m.timestampMs() + " " + text(viewed) + " "
                                + (m.appendedTimeMs() > 0) + " " + m.payloadLength());
            }
        };
        client.subscribe("s", From.beginning(), collector);

        await().atMost(WAIT).until(() -> collector.labels.size() == 100);
        publishAll(client, "s", 100, 150);
        await().atMost(WAIT).until(() -> collector.labels.size() >= 150);

        List<String> expected = new ArrayList<>(List.of("first"));
        expected.addAll(range("m", 1, 150));
        assertThat(collector.snapshot()).isEqualTo(expected);
        assertThat(checked.get()).isEqualTo("s 0 true key [h=v] " + createdAt + " first| true 6");
    }

    @Test
    void startsJustAfterACursorInTheMiddleOfABatch() {
        ScaleSmallClient client = client(config().lingerMs(60_000).build());
        List<CompletableFuture<PublishAck>> acks = publishAll(client, "mid", 0, 30);
        assertThat(server.storedBatchSizes("mid")).containsExactly(30);
        String token = acks.get(9).join().cursorAfter().toToken();

        Collector collector = new Collector();
        client.subscribe("mid", From.cursor(token), collector);
        await().atMost(WAIT).until(() -> collector.labels.size() == 20);
        client.publish("mid", null, bytes("end"));
        client.flush();
        await().atMost(WAIT).until(() -> collector.labels.contains("end"));

        List<String> expected = new ArrayList<>(range("m", 10, 30));
        expected.add("end");
        assertThat(collector.snapshot()).isEqualTo(expected);
    }

    @Test
    void resumesAfterAConnectionDropWithoutLossOrRepeats() {
        ScaleSmallClient client = client(config().lingerMs(60_000)
                .maxBatchBytes(1024)
                .subscriptionQueueFrames(2)
                .subscriptionFrameBytes(1)
                .build());
        publishAll(client, "resume", 0, 200);
        Collector collector = new Collector();
        collector.hook = m -> {
            if (collector.labels.size() == 20) {
                server.dropSubscriberConnections();
            }
        };
        client.subscribe("resume", From.beginning(), collector);

        await().atMost(WAIT).until(() -> collector.labels.size() >= 200);
        publishAll(client, "resume", 200, 250);
        await().atMost(WAIT).until(() -> collector.labels.size() >= 250);

        assertThat(collector.snapshot()).isEqualTo(range("m", 0, 250));
        List<StartPosition> starts = server.subscribeStarts();
        assertThat(starts).hasSizeGreaterThanOrEqualTo(2);
        assertThat(starts.get(0).kind()).isEqualTo(StartPosition.Kind.BEGINNING);
        assertThat(starts.get(1).kind()).isEqualTo(StartPosition.Kind.CURSOR);
    }

    @Test
    void continuesFromTheCursorOfAClosedSubscription() {
        ScaleSmallClient client = publisher();
        publishAll(client, "handover", 0, 100);
        Collector first = new Collector();
        Subscription subscription = client.subscribe("handover", From.beginning(), first);
        await().atMost(WAIT).until(() -> first.labels.size() >= 40);
        subscription.close();
        assertThat(subscription.isClosed()).isTrue();
        List<String> delivered = first.snapshot();

        Collector second = new Collector();
        client.subscribe("handover", From.cursor(subscription.cursor()), second);
        await().atMost(WAIT).until(() -> delivered.size() + second.labels.size() >= 100);

        List<String> all = new ArrayList<>(delivered);
        all.addAll(second.snapshot());
        assertThat(all).isEqualTo(range("m", 0, 100));
    }

    @Test
    void resumesFromTheCursorOfAMessageTakenInsideTheHandler() {
        ScaleSmallClient client = publisher();
        publishAll(client, "inside", 0, 50);
        Collector first = new Collector();
        AtomicReference<String> token = new AtomicReference<>();
        first.hook = m -> {
            if (text(m.payload()).startsWith("m12|")) {
                token.set(m.cursorAfter());
            }
        };
        client.subscribe("inside", From.beginning(), first);
        await().atMost(WAIT).until(() -> token.get() != null);

        Collector second = new Collector();
        client.subscribe("inside", From.cursor(token.get()), second);
        await().atMost(WAIT).until(() -> second.labels.size() >= 37);
        assertThat(second.snapshot()).isEqualTo(range("m", 13, 50));
    }

    @Test
    void stopsReadingTheSocketWhileTheHandlerIsSlow() throws InterruptedException {
        ScaleSmallClient client = client(config().lingerMs(60_000)
                .maxBatchBytes(1024)
                .subscriptionQueueFrames(2)
                .subscriptionFrameBytes(1)
                .build());
        publishAll(client, "slow", 0, 300);
        CountDownLatch release = new CountDownLatch(1);
        Collector collector = new Collector();
        collector.hook = m -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        SubscriptionAgent subscription = (SubscriptionAgent) client.subscribe("slow", From.beginning(), collector);

        await().atMost(WAIT).until(subscription::isReadingPaused);
        release.countDown();
        await().atMost(WAIT).until(() -> collector.labels.size() >= 300);
        assertThat(collector.snapshot()).isEqualTo(range("m", 0, 300));
        assertThat(subscription.isReadingPaused()).isFalse();
    }

    @Test
    void waitsForAStreamThatDoesNotExistYet() {
        ScaleSmallClient client = publisher();
        Collector collector = new Collector();
        client.subscribe("later", From.beginning(), collector);
        await().atMost(WAIT).until(() -> server.hellos().size() >= 2);

        publishAll(client, "later", 0, 10);
        await().atMost(WAIT).until(() -> collector.labels.size() >= 10);
        assertThat(collector.snapshot()).isEqualTo(range("m", 0, 10));
        assertThat(collector.errors).isEmpty();
    }

    @Test
    void endsWithOnErrorWhenTheHandlerThrowsAndKeepsTheCursorBeforeThatMessage() {
        ScaleSmallClient client = publisher();
        publishAll(client, "throws", 0, 20);
        Collector collector = new Collector();
        collector.hook = m -> {
            if (text(m.payload()).startsWith("m5|")) {
                throw new IllegalStateException("boom");
            }
        };
        Subscription subscription = client.subscribe("throws", From.beginning(), collector);

        await().atMost(WAIT).until(() -> !collector.errors.isEmpty());
        assertThat(collector.errors.get(0).code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(collector.errors.get(0).getCause()).hasMessage("boom");
        await().atMost(WAIT).until(subscription::isClosed);
        assertThat(collector.snapshot()).isEqualTo(range("m", 0, 5));

        Collector again = new Collector();
        client.subscribe("throws", From.cursor(subscription.cursor()), again);
        await().atMost(WAIT).until(() -> again.labels.size() >= 15);
        assertThat(again.snapshot()).isEqualTo(range("m", 5, 20));
    }

    @Test
    void startsAtTheEndWithOnlyNewMessages() {
        ScaleSmallClient client = publisher();
        publishAll(client, "tail", 0, 10);
        Collector collector = new Collector();
        client.subscribe("tail", From.end(), collector);
        await().atMost(WAIT).until(() -> server.subscriberCount() == 1);

        publishAll(client, "tail", 10, 15);
        await().atMost(WAIT).until(() -> collector.labels.size() >= 5);
        assertThat(collector.snapshot()).isEqualTo(range("m", 10, 15));
    }

    @Test
    void closeUnsubscribesAndStopsDelivery() {
        ScaleSmallClient client = publisher();
        publishAll(client, "bye", 0, 10);
        Collector collector = new Collector();
        Subscription subscription = client.subscribe("bye", From.beginning(), collector);
        await().atMost(WAIT).until(() -> collector.labels.size() >= 10);

        subscription.close();
        await().atMost(WAIT).until(() -> server.subscriberCount() == 0);
        publishAll(client, "bye", 10, 20);
        assertThat(collector.snapshot()).isEqualTo(range("m", 0, 10));
        assertThat(collector.errors).isEmpty();
        assertThat(From.cursor(subscription.cursor())
                        .cursor()
                        .range(0)
                        .entry(FakeServer.NODE)
                        .batchSeq())
                .isEqualTo(server.batchCount("bye") - 1);
        assertThat(server.subscribeStarts()).hasSize(1);
    }
}
