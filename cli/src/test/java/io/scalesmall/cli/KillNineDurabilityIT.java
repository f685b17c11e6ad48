package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.Subscription;
import io.scalesmall.protocol.DurabilityPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL during a disk=1 load, then restarted, returns every acknowledged
 * message exactly once and in each producer's order; retries across the restarts store nothing
 * twice.
 */
@Tag("process")
class KillNineDurabilityIT {
    private static final int PRODUCERS = 2;
    private static final int MAX_MESSAGES_PER_PRODUCER = 1_500_000;
    private static final int KILLS = 3;

    @TempDir
    Path dir;

    private NodeProcess node;
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyAcknowledgedMessageSurvivesKillNineExactlyOnceInProducerOrder() throws Exception {
        node = new NodeProcess(dir.resolve("node"), NodeProcess.freePort());
        node.start();
        List<BitSet> acked = new ArrayList<>();
        List<Thread> producers = new ArrayList<>();
        AtomicLong ackCount = new AtomicLong();
        AtomicLong failCount = new AtomicLong();
        for (int p = 0; p < PRODUCERS; p++) {
            BitSet mine = new BitSet();
            acked.add(mine);
            int id = p;
            Thread t = new Thread(() -> produce(id, mine, ackCount, failCount), "producer-" + p);
            t.start();
            producers.add(t);
        }
        for (int k = 0; k <= KILLS; k++) {
            long before = ackCount.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> ackCount.get() > before + 20_000 || allDone(producers));
            if (k < KILLS && !allDone(producers)) {
                node.kill9();
                node.start();
            }
        }
        stop.set(true);
        for (Thread t : producers) {
            t.join(TimeUnit.MINUTES.toMillis(3));
            assertThat(t.isAlive()).as("producer finished").isFalse();
        }
        assertThat(node.starts())
                .as("the node was killed at least once under load")
                .isGreaterThan(1);
        assertThat(ackCount.get())
                .as("acknowledged messages; node log:\n%s", node.log())
                .isGreaterThan(0);

        System.out.printf(
                "kill -9 durability: %d acknowledged, %d failed, %d kills%n", ackCount.get(), failCount.get(), KILLS);
        Map<Integer, List<Integer>> seen = readBack(ackCount.get());
        for (int p = 0; p < PRODUCERS; p++) {
            List<Integer> order = seen.getOrDefault(p, List.of());
            BitSet present = new BitSet();
            int previous = -1;
            for (int seq : order) {
                assertThat(present.get(seq))
                        .as("producer %d message %d stored twice", p, seq)
                        .isFalse();
                assertThat(seq).as("producer %d order", p).isGreaterThan(previous);
                present.set(seq);
                previous = seq;
            }
            BitSet lost = (BitSet) acked.get(p).clone();
            lost.andNot(present);
            assertThat(lost.cardinality())
                    .as("acknowledged but lost for producer %d: %s", p, lost)
                    .isZero();
        }
    }

    private static boolean allDone(List<Thread> threads) {
        return threads.stream().noneMatch(Thread::isAlive);
    }

    private void produce(int id, BitSet acked, AtomicLong ackCount, AtomicLong failCount) {
        ClientConfig config = ClientConfig.builder()
                .servers(node.address())
                .clientId("producer-" + id)
                .durability(DurabilityPolicy.DISK_1)
                .requestTimeoutMs(5_000)
                .deliveryTimeoutMs(120_000)
                .maxBatchBytes(16 * 1024)
                .build();
        AtomicLong done = new AtomicLong();
        long sent = 0;
        try (ScaleSmallClient client = ScaleSmallClient.create(config)) {
            for (int i = 0; i < MAX_MESSAGES_PER_PRODUCER && !stop.get(); i++) {
                int seq = i;
                byte[] payload = (id + ":" + seq).getBytes(StandardCharsets.US_ASCII);
                client.publish("durable", null, payload).whenComplete((ack, error) -> {
                    if (error == null) {
                        synchronized (acked) {
                            acked.set(seq);
                        }
                        ackCount.incrementAndGet();
                    } else {
                        failCount.incrementAndGet();
                    }
                    done.incrementAndGet();
                });
                sent++;
            }
            client.flush();
            long total = sent;
            await().atMost(Duration.ofMinutes(3)).until(() -> done.get() == total);
        }
    }

    private Map<Integer, List<Integer>> readBack(long acknowledged) throws Exception {
        Map<Integer, List<Integer>> seen = new HashMap<>();
        AtomicLong count = new AtomicLong();
        try (ScaleSmallClient client = ScaleSmallClient.create(ClientConfig.builder()
                .servers(node.address())
                .durability(DurabilityPolicy.MEMORY_1)
                .build())) {
            Subscription sub = client.subscribe("durable", From.beginning(), m -> {
                String[] parts = new String(m.payload(), StandardCharsets.US_ASCII).split(":");
                synchronized (seen) {
                    seen.computeIfAbsent(Integer.parseInt(parts[0]), k -> new ArrayList<>())
                            .add(Integer.parseInt(parts[1]));
                }
                count.incrementAndGet();
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> count.get() >= acknowledged);
            long[] last = {count.get()};
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30)).until(() -> {
                long now = count.get();
                boolean same = now == last[0];
                last[0] = now;
                return same;
            });
            sub.close();
        }
        return seen;
    }
}
