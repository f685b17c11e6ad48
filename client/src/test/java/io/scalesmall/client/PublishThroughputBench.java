package io.scalesmall.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Publishes 100-byte messages from one thread as fast as the client allows, against the in-process
 * fake server, and prints the rate. Not part of the normal test run (its name does not end in
 * Test); run it with {@code mvn test -pl client -Dtest=PublishThroughputBench}.
 */
class PublishThroughputBench extends ClientTestSupport {
    private static final int WARMUP = 3_000_000;
    private static final int MEASURED = 10_000_000;

    @Test
    void publishesHundredByteMessagesFromOneThread() {
        server.discardBatches();
        ScaleSmallClient client = client(config().build());
        byte[] payload = new byte[100];
        run(client, payload, WARMUP, "warmup");
        run(client, payload, MEASURED, "measured");
    }

    private static void run(ScaleSmallClient client, byte[] payload, int n, String label) {
        long start = System.nanoTime();
        CompletableFuture<PublishAck> last = null;
        for (int i = 0; i < n; i++) {
            last = client.publish("bench", null, payload);
        }
        long published = System.nanoTime();
        client.flush();
        last.join();
        long acked = System.nanoTime();
        System.out.printf(
                "%s: %,d messages, publish calls %,.0f/s, acknowledged %,.0f/s%n",
                label, n, n / ((published - start) / 1e9), n / ((acked - start) / 1e9));
        System.out.flush();
        if (TimeUnit.NANOSECONDS.toSeconds(acked - start) > 600) {
            throw new AssertionError("too slow");
        }
    }
}
