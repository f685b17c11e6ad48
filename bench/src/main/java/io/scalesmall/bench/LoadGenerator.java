package io.scalesmall.bench;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.Subscription;
import io.scalesmall.protocol.DurabilityPolicy;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The end-to-end load generator behind {@code scalesmall bench}: P producers (one client and
 * connection each) publish N messages of a given size, recording publish-to-ack latency in an
 * HdrHistogram; then one reader reads everything back from the beginning. A warm-up run on its
 * own stream comes first, because the first seconds of a JVM run at a fraction of full speed.
 *
 * <p>With a target rate, each producer paces its sends and measures latency from the intended
 * send time, so a stall is charged to every message it delays (no coordinated omission).
 *
 * <p>Not thread-safe; one run at a time.
 */
public final class LoadGenerator {
    /**
     * What to run.
     *
     * @param servers comma-separated seeds
     * @param messages messages to publish in the measured run
     * @param sizeBytes payload size
     * @param producers producer clients
     * @param durability policy of every publish
     * @param ratePerSec target total rate, 0 for as fast as possible
     * @param warmupMessages messages published before measuring
     * @param lingerMs client linger
     * @param maxBatchBytes client batch size
     * @param payload payload content: "random" (incompressible) or "text" (JSON-like, compressible)
     */
    public record Options(
            String servers,
            long messages,
            int sizeBytes,
            int producers,
            DurabilityPolicy durability,
            long ratePerSec,
            long warmupMessages,
            int lingerMs,
            int maxBatchBytes,
            String payload) {}

    /**
     * Figures of one run.
     *
     * @param messages messages acknowledged
     * @param failed messages that failed
     * @param msgsPerSec publish throughput
     * @param mbPerSec publish throughput in payload megabytes (10^6 bytes) per second
     * @param latency publish-to-ack latency histogram, microseconds
     * @param consumeMsgsPerSec read-back throughput
     * @param consumed messages read back
     */
    public record Result(
            long messages,
            long failed,
            double msgsPerSec,
            double mbPerSec,
            Histogram latency,
            double consumeMsgsPerSec,
            long consumed) {}

    private final Options options;
    private final PrintStream progress;

    public LoadGenerator(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Warms up, measures publishing, then measures reading back. */
    public Result run() throws InterruptedException {
        String suffix = Long.toHexString(System.nanoTime());
        if (options.warmupMessages() > 0) {
            progress.println("warming up with " + options.warmupMessages() + " messages...");
            publish("bench-warmup-" + suffix, options.warmupMessages(), false);
        }
        String stream = "bench-" + suffix;
        progress.println("publishing " + options.messages() + " messages of " + options.sizeBytes() + " bytes with "
                + options.producers() + " producer(s), " + options.durability() + "...");
        Phase publish = publish(stream, options.messages(), true);
        progress.println("reading back " + publish.acked + " messages from the beginning...");
        long startNs = System.nanoTime();
        long consumed = consume(stream, publish.acked);
        double readSeconds = (System.nanoTime() - startNs) / 1e9;
        double seconds = publish.elapsedNs / 1e9;
        return new Result(
                publish.acked,
                publish.failed,
                publish.acked / seconds,
                publish.acked * (double) options.sizeBytes() / seconds / 1e6,
                publish.latency,
                consumed / readSeconds,
                consumed);
    }

    private record Phase(long acked, long failed, long elapsedNs, Histogram latency) {}

    private ClientConfig.Builder config(String clientId) {
        return ClientConfig.builder()
                .servers(List.of(options.servers().split(",")))
                .clientId(clientId)
                .durability(options.durability())
                .lingerMs(options.lingerMs())
                .maxBatchBytes(options.maxBatchBytes());
    }

    private Phase publish(String stream, long total, boolean report) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        Histogram all = new Histogram(3);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        int producers = options.producers();
        CountDownLatch ready = new CountDownLatch(producers);
        CountDownLatch go = new CountDownLatch(1);
        for (int p = 0; p < producers; p++) {
            long share = total / producers + (p < total % producers ? 1 : 0);
            int id = p;
            Thread t = new Thread(
                    () -> produce(stream, id, share, recorder, acked, failed, firstError, ready, go),
                    "bench-producer-" + p);
            t.start();
            threads.add(t);
        }
        ready.await();
        long startNs = System.nanoTime();
        go.countDown();
        long lastReportNs = startNs;
        long lastAcked = 0;
        while (acked.get() + failed.get() < total) {
            Thread.onSpinWait();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            long now = System.nanoTime();
            if (now - lastReportNs >= 1_000_000_000L) {
                Histogram interval = recorder.getIntervalHistogram();
                all.add(interval);
                long a = acked.get();
                if (report) {
                    progress.printf(
                            "  %,d / %,d acked, %,.0f msg/s, p99 %.2f ms%n",
                            a,
                            total,
                            (a - lastAcked) / ((now - lastReportNs) / 1e9),
                            interval.getValueAtPercentile(99) / 1000.0);
                }
                lastAcked = a;
                lastReportNs = now;
            }
            if (!anyAlive(threads) && acked.get() + failed.get() < total && firstError.get() != null) {
                break;
            }
        }
        long elapsedNs = System.nanoTime() - startNs;
        for (Thread t : threads) {
            t.join();
        }
        all.add(recorder.getIntervalHistogram());
        if (firstError.get() != null) {
            progress.println("publish errors: " + failed.get() + ", first: " + firstError.get());
        }
        return new Phase(acked.get(), failed.get(), elapsedNs, all);
    }

    private static boolean anyAlive(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private void produce(
            String stream,
            int id,
            long count,
            Recorder recorder,
            AtomicLong acked,
            AtomicLong failed,
            AtomicReference<Throwable> firstError,
            CountDownLatch ready,
            CountDownLatch go) {
        byte[][] payloads = payloads(new Random(id), poolSize());
        long intervalNs = options.ratePerSec() > 0 ? (long) (1e9 * options.producers() / options.ratePerSec()) : 0;
        try (ScaleSmallClient client =
                ScaleSmallClient.create(config("bench-" + id).build())) {
            ready.countDown();
            go.await();
            long startNs = System.nanoTime();
            for (long i = 0; i < count; i++) {
                long intendedNs = intervalNs == 0 ? System.nanoTime() : startNs + i * intervalNs;
                if (intervalNs > 0) {
                    long wait;
                    while ((wait = intendedNs - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(Math.min(wait, 50_000));
                    }
                }
                client.publish(stream, null, payloads[(int) (i % payloads.length)])
                        .whenComplete((ack, error) -> {
                            if (error == null) {
                                recorder.recordValue(Math.max(1, (System.nanoTime() - intendedNs) / 1000));
                                acked.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                firstError.compareAndSet(null, error);
                            }
                        });
            }
            client.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            firstError.compareAndSet(null, e);
            ready.countDown();
        }
    }

    /** Distinct payloads per producer: enough that a batch rarely repeats one (64 MiB at most). */
    private int poolSize() {
        return (int) Math.max(64, Math.min(65_536, (64L << 20) / Math.max(1, options.sizeBytes())));
    }

    private byte[][] payloads(Random random, int n) {
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            byte[] p = new byte[options.sizeBytes()];
            if (options.payload().equals("random")) {
                random.nextBytes(p);
            } else {
                String text = "{\"id\":" + random.nextInt(1_000_000) + ",\"user\":\"user-" + random.nextInt(10_000)
                        + "\",\"event\":\"page_view\",\"path\":\"/products/" + random.nextInt(5_000)
                        + "\",\"ts\":" + (1_700_000_000_000L + random.nextInt(1_000_000)) + ",\"pad\":\"";
                for (int j = 0; j < p.length; j++) {
                    p[j] = j < text.length() ? (byte) text.charAt(j) : (byte) ('a' + random.nextInt(26));
                }
            }
            out[i] = p;
        }
        return out;
    }

    private long consume(String stream, long expected) throws InterruptedException {
        AtomicLong count = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        try (ScaleSmallClient client =
                ScaleSmallClient.create(config("bench-reader").build())) {
            Subscription sub = client.subscribe(stream, From.beginning(), m -> {
                if (count.incrementAndGet() >= expected) {
                    done.countDown();
                }
            });
            long lastCount = -1;
            while (!done.await(2, TimeUnit.SECONDS)) {
                long now = count.get();
                if (now == lastCount) {
                    progress.println("reader stalled at " + now + " of " + expected);
                    break;
                }
                lastCount = now;
            }
            sub.close();
        }
        return count.get();
    }
}
