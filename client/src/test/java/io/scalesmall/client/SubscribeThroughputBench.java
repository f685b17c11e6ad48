package io.scalesmall.client;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reads a stream of 100-byte messages back from the beginning through a subscription and prints
 * the rate. Run with {@code mvn test -pl client -Dtest=SubscribeThroughputBench}.
 */
class SubscribeThroughputBench extends ClientTestSupport {
    private static final int MESSAGES = 2_000_000;

    @Test
    void readsBackFromTheBeginning() throws InterruptedException {
        ScaleSmallClient client = client(config().durability(io.scalesmall.protocol.DurabilityPolicy.MEMORY_1)
                .build());
        byte[] payload = new byte[100];
        for (int i = 0; i < MESSAGES; i++) {
            payload[i % 100] = (byte) i;
            client.publish("read-bench", null, payload);
        }
        client.flush();
        for (int round = 0; round < 3; round++) {
            CountDownLatch done = new CountDownLatch(1);
            long[] count = {0};
            long[] checksum = {0};
            long start = System.nanoTime();
            Subscription s = client.subscribe("read-bench", From.beginning(), m -> {
                checksum[0] += m.payloadBuffer().get(m.payloadBuffer().position());
                if (++count[0] == MESSAGES) {
                    done.countDown();
                }
            });
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new AssertionError("only " + count[0] + " messages");
            }
            long elapsed = System.nanoTime() - start;
            s.close();
            System.out.printf(
                    "round %d: %,d messages read in %d ms: %,.0f/s (checksum %d)%n",
                    round, MESSAGES, elapsed / 1_000_000, MESSAGES / (elapsed / 1e9), checksum[0]);
        }
    }
}
