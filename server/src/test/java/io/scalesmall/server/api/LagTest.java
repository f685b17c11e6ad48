package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.FetchResult;
import io.scalesmall.client.From;
import io.scalesmall.client.Lag;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.ScaleSmallException;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LAG: what a reader at a position has left, counted by the node without sending messages. */
class LagTest {
    @TempDir
    Path dir;

    private Node node;
    private ScaleSmallClient client;

    @BeforeEach
    void start() throws Exception {
        node = Node.start(NodeConfig.defaults(dir, "127.0.0.1", 0));
        client = ScaleSmallClient.create(ClientConfig.builder()
                .servers("127.0.0.1:" + node.address().getPort())
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
    }

    /** Publishes {@code count} messages in rounds of 100, each acknowledged before the next: many batches. */
    private void publishInRounds(int count) throws Exception {
        for (int done = 0; done < count; done += 100) {
            publish(Math.min(100, count - done));
        }
    }

    private void publish(int count) throws Exception {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            acks.add(client.publish(
                    "events", ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    private Lag lag(From from) throws Exception {
        return client.lag("events", from).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aReaderIsBehindByWhatItHasNotReadInMessagesAndInTime() throws Exception {
        long before = System.currentTimeMillis();
        publishInRounds(1000);
        long after = System.currentTimeMillis();

        Lag all = lag(From.beginning());
        assertThat(all.messages()).isEqualTo(1000);
        assertThat(all.batches()).isPositive();
        assertThat(all.oldestUnreadMs()).isBetween(before - 1000, after + 1000);
        assertThat(all.newestMs()).isGreaterThanOrEqualTo(all.oldestUnreadMs());
        assertThat(all.timeBehindMs(after + 5000)).isGreaterThanOrEqualTo(5000);

        Lag none = lag(From.end());
        assertThat(none.messages()).isZero();
        assertThat(none.oldestUnreadMs()).isEqualTo(-1);
        assertThat(none.timeBehindMs(after)).isZero();

        // A reader that fetched a part is behind by the rest.
        FetchResult part = client.fetch("events", From.beginning(), 1).get(30, TimeUnit.SECONDS);
        assertThat(part.messages()).isNotEmpty().hasSizeLessThan(1000);
        assertThat(lag(From.cursor(part.nextCursor())).messages())
                .isEqualTo(1000 - part.messages().size());

        // One that read everything has nothing left, until more arrives.
        From at = From.beginning();
        int read = 0;
        for (int round = 0; round < 1000 && read < 1000; round++) {
            FetchResult r = client.fetch("events", at, 64 * 1024).get(30, TimeUnit.SECONDS);
            read += r.messages().size();
            at = From.cursor(r.nextCursor());
        }
        assertThat(read).isEqualTo(1000);
        assertThat(lag(at).messages()).isZero();
        publish(10);
        assertThat(lag(at).messages()).isEqualTo(10);
    }

    @Test
    void messagesAlreadyReadFromAPartlyReadBatchAreNotCounted() throws Exception {
        publishInRounds(1000);
        // A fetch of one byte per range reads each range's first batch.
        FetchResult first = client.fetch("events", From.beginning(), 1).get(30, TimeUnit.SECONDS);
        assertThat(first.messages()).isNotEmpty();

        // The cursor before each of those batches, with one of its messages read.
        Cursor start = Cursor.fromToken(first.nextCursor());
        List<RangeCursor> partly = new ArrayList<>();
        int partlyRead = 0;
        for (RangeCursor range : start.ranges()) {
            RangeCursor r = range;
            for (RangeCursor.Entry e : range.entries()) {
                if (e.batchSeq() > 0) {
                    r = r.with(e.coordinator(), e.batchSeq() - 1, 1);
                    partlyRead++;
                }
            }
            partly.add(r);
        }
        assertThat(partlyRead).isPositive();
        Lag lag = lag(From.cursor(new Cursor(partly)));

        assertThat(lag.messages()).isEqualTo(1000 - partlyRead);
    }

    @Test
    void anUnknownStreamIsAClearError() {
        assertThat(client.lag("nope", From.beginning()))
                .failsWithin(java.time.Duration.ofSeconds(30))
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(ScaleSmallException.class)
                .satisfies(e -> assertThat(((ScaleSmallException) e).code()).isEqualTo(ErrorCode.UNKNOWN_STREAM));
    }
}
