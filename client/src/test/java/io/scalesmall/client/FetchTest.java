package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.StreamOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FetchTest extends ClientTestSupport {

    private ScaleSmallClient publisher() {
        return client(config().lingerMs(60_000).maxBatchBytes(1024).build());
    }

    private static List<CompletableFuture<PublishAck>> publishAll(ScaleSmallClient client, String stream, int n) {
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(client.publish(stream, bytes("k" + i), padded("m" + i, 60)));
        }
        client.flush();
        return futures;
    }

    @Test
    void pagesThroughAStreamWithTheNextCursor() {
        ScaleSmallClient client = publisher();
        publishAll(client, "pages", 100);
        int batches = server.batchCount("pages");

        List<String> labels = new ArrayList<>();
        From from = From.beginning();
        int fetches = 0;
        FetchResult result;
        do {
            result = client.fetch("pages", from, 1).join();
            result.messages().forEach(m -> labels.add(label(text(m.payload()))));
            from = From.cursor(result.nextCursor());
            fetches++;
        } while (!result.messages().isEmpty());

        assertThat(labels).isEqualTo(range("m", 0, 100));
        assertThat(fetches).isEqualTo(batches + 1);
        FetchResult again = client.fetch("pages", from, 1).join();
        assertThat(again.messages()).isEmpty();
        assertThat(again.nextCursor()).isEqualTo(result.nextCursor());
    }

    @Test
    void materializesEveryField() {
        ScaleSmallClient client = publisher();
        List<CompletableFuture<PublishAck>> acks = publishAll(client, "fields", 3);
        ReceivedMessage m = client.fetch("fields", From.beginning(), 1 << 20)
                .join()
                .messages()
                .get(2);

        PublishAck ack = acks.get(2).join();
        assertThat(m.stream()).isEqualTo("fields");
        assertThat(m.rangeId()).isZero();
        assertThat(text(m.key())).isEqualTo("k2");
        assertThat(label(text(m.payload()))).isEqualTo("m2");
        assertThat(m.headers()).isEmpty();
        assertThat(m.coordinator()).isEqualTo(ack.coordinator());
        assertThat(m.batchSeq()).isEqualTo(ack.batchSeq());
        assertThat(m.indexInBatch()).isEqualTo(ack.index());
        assertThat(m.hlcTime()).isEqualTo(ack.hlcTime());
        assertThat(m.appendedTimeMs()).isEqualTo(ack.timestampMs());
        assertThat(m.timestampMs()).isPositive();
    }

    @Test
    void startsAfterTheCursorOfAnAcknowledgedMessage() {
        ScaleSmallClient client = publisher();
        List<CompletableFuture<PublishAck>> acks = publishAll(client, "after", 40);
        String token = acks.get(20).join().cursorAfter().toToken();

        FetchResult result = client.fetch("after", From.cursor(token), 1 << 20).join();
        assertThat(labels(result.messages().stream().map(m -> text(m.payload())).toList()))
                .isEqualTo(range("m", 21, 40));
    }

    @Test
    void failsForAStreamThatDoesNotExist() {
        ScaleSmallClient client = client();
        assertThatThrownBy(() -> client.fetch("missing", From.beginning(), 1024).join())
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.UNKNOWN_STREAM));
    }

    @Test
    void rejectsATokenThatIsNotACursor() {
        assertThatThrownBy(() -> From.cursor("nonsense"))
                .isInstanceOf(ScaleSmallException.class)
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.INVALID_CURSOR));
    }

    @Test
    void createsStreamsAndDescribesThem() {
        ScaleSmallClient client = client();
        StreamOptions options = new StreamOptions(1, 60_000, -1);
        assertThat(client.createStream("made", options).join()).isTrue();
        assertThat(client.createStream("made", options).join()).isFalse();
        assertThatThrownBy(
                        () -> client.createStream("made", StreamOptions.DEFAULT).join())
                .cause()
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.STREAM_EXISTS));

        MetadataResponse metadata = client.metadata("made").join();
        assertThat(metadata.streams()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("made");
            assertThat(s.options()).isEqualTo(options);
            assertThat(s.ranges()).extracting(MetadataResponse.Range::rangeId).containsExactly(0);
        });
        assertThat(client.metadata().join().nodes())
                .extracting(MetadataResponse.Node::id)
                .containsExactly(FakeServer.NODE);
    }
}
