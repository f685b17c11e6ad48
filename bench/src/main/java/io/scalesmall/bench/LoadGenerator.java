package io.scalesmall.bench;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.client.PublishAck;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.Subscription;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.StreamOptions;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The end-to-end load generator behind {@code scalesmall bench}: P producers (one client and
 * connection each) publish N messages of a given size, recording publish-to-ack latency in an
 * HdrHistogram; then one reader reads everything back from the beginning. Warm-up messages come
 * first, because the first seconds of a JVM run at a fraction of full speed.
 *
 * <p>The warm-up is the head of the measured run: the same clients, connections, payloads, stream,
 * threads and schedule, and the measured messages follow it without a pause; only their latencies
 * and counts go to another tally. So the figures are those of publishing in a steady state, not
 * of connecting, creating a stream, the collector copying freshly allocated payloads, or the JIT
 * recompiling code that a change of phase made it drop. Unless told how many messages to warm up
 * with, the warm-up lasts until the JIT compiler has been nearly idle for a second ({@value
 * #JIT_IDLE_MS_PER_SECOND} ms of compilation in it), between {@value #MIN_WARMUP_MESSAGES}
 * messages (or all of them, if fewer) and {@value #MAX_WARMUP_SECONDS} s or {@value
 * #MAX_WARMUP_RUNS} times the measured messages: on a small machine the compiler needs many
 * seconds, and while it runs it takes a core from the system under test.
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
     * @param warmupMessages messages published before measuring, or -1 to warm up until the JIT
     *     compiler is idle (see {@link LoadGenerator})
     * @param lingerMs client linger
     * @param sendWhenIdle client {@link ClientConfig#sendWhenIdle()}
     * @param maxBatchBytes client batch size
     * @param payload payload content: "random" (incompressible) or "text" (JSON-like, compressible)
     * @param access adds how the clients reach the nodes (token, TLS) to each client's settings
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
            boolean sendWhenIdle,
            int maxBatchBytes,
            String payload,
            UnaryOperator<ClientConfig.Builder> access) {}

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

    /** Compilation time per second under which the JIT counts as idle. */
    static final long JIT_IDLE_MS_PER_SECOND = 20;
    /** Fewest messages of an automatic warm-up (unless the run is smaller). */
    static final long MIN_WARMUP_MESSAGES = 500_000;
    /** Longest automatic warm-up. */
    static final long MAX_WARMUP_SECONDS = 30;
    /** Most messages of an automatic warm-up, in multiples of the measured ones. */
    static final long MAX_WARMUP_RUNS = 5;

    private final Options options;
    private final PrintStream progress;
    private final AtomicReference<Throwable> crashed = new AtomicReference<>();
    /** Ends the warm-up of every producer (automatic warm-up). */
    private final AtomicBoolean warmupOver = new AtomicBoolean();
    /** Never set: the measured part runs to its count. */
    private final AtomicBoolean never = new AtomicBoolean();
    /** Messages the producers published while warming up, summed as each one moves on. */
    private final AtomicLong warmupSent = new AtomicLong();

    public LoadGenerator(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Warms up, measures publishing, then measures reading back. */
    public Result run() throws InterruptedException {
        String stream = "bench-" + Long.toHexString(System.nanoTime());
        int producers = options.producers();
        Tally warmup = new Tally();
        Tally measured = new Tally();
        List<ScaleSmallClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        Histogram latency;
        long elapsedNs;
        try {
            for (int p = 0; p < producers; p++) {
                clients.add(ScaleSmallClient.create(config("bench-" + p).build()));
            }
            prepare(clients, stream);
            CountDownLatch ready = new CountDownLatch(producers);
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch warmedUp = new CountDownLatch(producers);
            boolean auto = options.warmupMessages() < 0;
            for (int p = 0; p < producers; p++) {
                ScaleSmallClient client = clients.get(p);
                long warm = auto ? Long.MAX_VALUE : share(options.warmupMessages(), p);
                long count = share(options.messages(), p);
                int seed = p;
                Thread t = new Thread(
                        () -> produce(client, seed, stream, warm, count, warmup, measured, ready, go, warmedUp),
                        "bench-producer-" + p);
                t.start();
                threads.add(t);
            }
            ready.await();
            go.countDown();
            if (auto) {
                progress.println("warming up until the JIT compiler is idle...");
                awaitIdleCompiler(
                        warmup,
                        Math.min(options.messages(), MIN_WARMUP_MESSAGES),
                        MAX_WARMUP_RUNS * options.messages(),
                        threads);
                warmupOver.set(true);
            } else if (options.warmupMessages() > 0) {
                progress.println("warming up with " + options.warmupMessages() + " messages...");
            }
            warmedUp.await();
            awaitAcks(warmup, warmupSent.get(), threads, false);
            progress.println("publishing " + options.messages() + " messages of " + options.sizeBytes() + " bytes with "
                    + producers + " producer(s), " + options.durability() + "...");
            latency = awaitAcks(measured, options.messages(), threads, true);
            elapsedNs = System.nanoTime() - measured.startNs.get();
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            for (ScaleSmallClient c : clients) {
                c.close();
            }
        }
        if (crashed.get() != null) {
            progress.println("a producer failed: " + crashed.get());
        }
        if (warmup.firstError.get() != null) {
            progress.println("warm-up publish errors: " + warmup.failed.get() + ", first: " + warmup.firstError.get());
        }
        if (measured.firstError.get() != null) {
            progress.println("publish errors: " + measured.failed.get() + ", first: " + measured.firstError.get());
        }
        long acked = measured.acked.get();
        long warmAcked = warmup.acked.get();
        progress.println("reading back " + (warmAcked + acked) + " messages (warm-up included)...");
        long startNs = System.nanoTime();
        long read = consume(stream, warmAcked + acked);
        double readSeconds = (System.nanoTime() - startNs) / 1e9;
        double seconds = elapsedNs / 1e9;
        return new Result(
                acked,
                measured.failed.get(),
                acked / seconds,
                acked * (double) options.sizeBytes() / seconds / 1e6,
                latency,
                read / readSeconds,
                Math.max(0, read - warmAcked));
    }

    /**
     * Waits until the JIT compiler spent under {@link #JIT_IDLE_MS_PER_SECOND} ms in the last
     * second and at least {@code minAcked} warm-up messages are acknowledged, or until {@link
     * #MAX_WARMUP_SECONDS} passed or {@code maxAcked} are acknowledged. Without compilation
     * monitoring, waits 10 s.
     */
    private void awaitIdleCompiler(Tally warmup, long minAcked, long maxAcked, List<Thread> threads) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        long startNs = System.nanoTime();
        long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(monitored ? MAX_WARMUP_SECONDS : 10);
        long[] jitMsAt = new long[11];
        int samples = 0;
        while (anyAlive(threads)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            long now = System.nanoTime();
            if (now - deadlineNs >= 0 || warmup.acked.get() >= maxAcked) {
                break;
            }
            if (!monitored) {
                continue;
            }
            // One sample every 100 ms; the last 11 span one second.
            System.arraycopy(jitMsAt, 1, jitMsAt, 0, jitMsAt.length - 1);
            jitMsAt[jitMsAt.length - 1] = jit.getTotalCompilationTime();
            samples++;
            long lastSecondMs = jitMsAt[jitMsAt.length - 1] - jitMsAt[0];
            if (samples >= jitMsAt.length && lastSecondMs < JIT_IDLE_MS_PER_SECOND && warmup.acked.get() >= minAcked) {
                break;
            }
        }
        progress.printf(
                "  warmed up for %.1f s, %,d messages acknowledged, JIT busy %d ms in the last second%n",
                (System.nanoTime() - startNs) / 1e9, warmup.acked.get(), jitMsAt[jitMsAt.length - 1] - jitMsAt[0]);
    }

    /** Producer {@code p}'s part of {@code total} messages. */
    private long share(long total, int p) {
        int producers = options.producers();
        return total / producers + (p < total % producers ? 1 : 0);
    }

    /** Creates {@code stream} and waits until every producer's connection answers for it. */
    private static void prepare(List<ScaleSmallClient> clients, String stream) throws InterruptedException {
        try {
            clients.get(0).createStream(stream, StreamOptions.DEFAULT).get(30, TimeUnit.SECONDS);
            for (ScaleSmallClient c : clients) {
                c.metadata(stream).get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot prepare stream " + stream + ": " + e, e);
        }
    }

    private ClientConfig.Builder config(String clientId) {
        return options.access()
                .apply(ClientConfig.builder())
                .servers(List.of(options.servers().split(",")))
                .clientId(clientId)
                .durability(options.durability())
                .lingerMs(options.lingerMs())
                .sendWhenIdle(options.sendWhenIdle())
                .maxBatchBytes(options.maxBatchBytes());
    }

    /**
     * Waits until {@code total} messages of {@code tally} are answered, taking its latencies each
     * second (printed when {@code report}).
     *
     * @return every latency recorded
     */
    private Histogram awaitAcks(Tally tally, long total, List<Thread> threads, boolean report) {
        // A producer that died never publishes the rest: stop waiting once all are gone.
        Histogram all = new Histogram(3);
        long lastReportNs = System.nanoTime();
        long lastAcked = 0;
        while (tally.acked.get() + tally.failed.get() < total) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            long now = System.nanoTime();
            if (now - lastReportNs >= 1_000_000_000L) {
                Histogram interval = tally.recorder.getIntervalHistogram();
                all.add(interval);
                long a = tally.acked.get();
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
            if (!anyAlive(threads) && tally.acked.get() + tally.failed.get() < total && crashed.get() != null) {
                break;
            }
        }
        all.add(tally.recorder.getIntervalHistogram());
        return all;
    }

    private static boolean anyAlive(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /**
     * One producer: its warm-up messages, then straight on, on the same schedule, its measured
     * ones. Both go through the same code, so that the JIT has nothing new to compile or undo
     * when measuring starts.
     */
    private void produce(
            ScaleSmallClient client,
            int seed,
            String stream,
            long warm,
            long count,
            Tally warmup,
            Tally measured,
            CountDownLatch ready,
            CountDownLatch go,
            CountDownLatch warmedUp) {
        boolean switched = false;
        try {
            byte[][] payloads = payloads(new Random(seed), poolSize());
            long intervalNs = options.ratePerSec() > 0 ? (long) (1e9 * options.producers() / options.ratePerSec()) : 0;
            ready.countDown();
            go.await();
            long startNs = System.nanoTime();
            long sent = publishRange(client, payloads, stream, 0, warm, startNs, intervalNs, warmup, warmupOver);
            measured.startNs.accumulateAndGet(
                    intervalNs == 0 ? System.nanoTime() : startNs + sent * intervalNs, Math::min);
            warmupSent.addAndGet(sent);
            switched = true;
            warmedUp.countDown();
            publishRange(client, payloads, stream, sent, sent + count, startNs, intervalNs, measured, never);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            crashed.compareAndSet(null, e);
        } finally {
            ready.countDown();
            if (!switched) {
                warmedUp.countDown();
            }
        }
    }

    /**
     * Publishes messages {@code from} (inclusive) to {@code to} of a producer's schedule, or until
     * {@code stop} is set. With a rate, message i is due at {@code startNs + i * intervalNs} and
     * its latency counts from then.
     *
     * @return the number of the next message
     */
    private static long publishRange(
            ScaleSmallClient client,
            byte[][] payloads,
            String stream,
            long from,
            long to,
            long startNs,
            long intervalNs,
            Tally tally,
            AtomicBoolean stop) {
        long i = from;
        for (; i < to && !stop.get(); i++) {
            long intendedNs = intervalNs == 0 ? System.nanoTime() : startNs + i * intervalNs;
            if (intervalNs > 0) {
                long wait;
                while ((wait = intendedNs - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 50_000));
                }
            }
            client.publish(stream, null, payloads[(int) (i % payloads.length)])
                    .whenComplete(new AckTimer(intendedNs, tally));
        }
        return i;
    }

    /**
     * What the producers report for one part of a run (warm-up or measured): latencies, counts,
     * the first error, and when the part started. Thread-safe.
     */
    private static final class Tally {
        final Recorder recorder = new Recorder(3);
        final AtomicLong acked = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<Throwable> firstError = new AtomicReference<>();
        final AtomicLong startNs = new AtomicLong(Long.MAX_VALUE);
    }

    /**
     * Records one message's latency from its intended send time when its publish completes: one
     * small object per message, where a capturing lambda would carry every counter.
     */
    private static final class AckTimer implements BiConsumer<PublishAck, Throwable> {
        private final long intendedNs;
        private final Tally tally;

        AckTimer(long intendedNs, Tally tally) {
            this.intendedNs = intendedNs;
            this.tally = tally;
        }

        @Override
        public void accept(PublishAck ack, Throwable error) {
            if (error == null) {
                tally.recorder.recordValue(Math.max(1, (System.nanoTime() - intendedNs) / 1000));
                tally.acked.incrementAndGet();
            } else {
                tally.failed.incrementAndGet();
                tally.firstError.compareAndSet(null, error);
            }
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
