package io.scalesmall.cli;

import io.scalesmall.client.From;
import io.scalesmall.client.Message;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.ScaleSmallException;
import io.scalesmall.client.Subscription;
import io.scalesmall.protocol.DurabilityPolicy;
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall consume}: subscribes to a stream, prints each payload on its own line, and
 * prints a JSON summary with the count and the cursor to resume from as its last line.
 */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = "Print messages of a stream; stop after --max messages or --idle-timeout-ms without one.")
final class ConsumeCommand implements Callable<Integer> {
    @Option(names = "--server", required = true, description = "HOST:PORT[,HOST:PORT...] of nodes.")
    String server;

    @picocli.CommandLine.Mixin
    AccessOptions auth;

    @Option(names = "--stream", required = true, description = "Stream name.")
    String stream;

    @Option(
            names = "--from",
            defaultValue = "beginning",
            description = "beginning, end, a timestamp (epoch ms or ISO-8601) or a cursor (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(names = "--max", description = "Stop after this many messages.")
    Long max;

    @Option(names = "--idle-timeout-ms", description = "Stop after this long without a new message.")
    Long idleTimeoutMs;

    @Option(names = "--quiet", description = "Do not print payloads, only the summary.")
    boolean quiet;

    @Option(
            names = "--progress",
            description = "Draw a count of messages read on stderr each second (drawn by itself with --quiet on a"
                    + " terminal).")
    boolean progress;

    private final Object lock = new Object();
    private long consumed;
    private long lastMessageNs;
    private String cursorAtMax;

    @Override
    public Integer call() throws Exception {
        if (max != null && max < 0) {
            throw new IllegalArgumentException("--max must not be negative");
        }
        From start = Servers.from(from);
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false);
        CountDownLatch done = new CountDownLatch(max != null && max == 0 ? 0 : 1);
        AtomicReference<ScaleSmallException> failure = new AtomicReference<>();
        lastMessageNs = System.nanoTime();
        Map<String, Object> summary = new LinkedHashMap<>();
        // Not over payloads printed to the same terminal.
        Progress bar = Progress.startIf(
                progress || (quiet && System.console() != null),
                "consumed",
                max == null ? -1 : max,
                this::consumedSoFar);
        try (ScaleSmallClient client = ScaleSmallClient.create(
                auth.apply(Servers.config(server, "scalesmall-cli-consume", DurabilityPolicy.MEMORY_1))
                        .build())) {
            Subscription sub = client.subscribe(stream, start, new io.scalesmall.client.MessageHandler() {
                @Override
                public void onMessage(Message m) {
                    accept(m, out, done);
                }

                @Override
                public void onError(ScaleSmallException error) {
                    failure.compareAndSet(null, error);
                    done.countDown();
                }
            });
            Thread hook = new Thread(done::countDown);
            Runtime.getRuntime().addShutdownHook(hook);
            waitUntilDone(done);
            String cursor;
            synchronized (lock) {
                cursor = cursorAtMax != null ? cursorAtMax : sub.cursor();
                summary.put("consumed", consumed);
            }
            sub.close();
            summary.put("cursor", cursor);
            summary.put("stream", stream);
            if (failure.get() != null) {
                summary.put("error", failure.get().getMessage());
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        } finally {
            bar.close();
        }
        out.flush();
        out.println(Json.line(summary));
        out.flush();
        return failure.get() == null ? 0 : 1;
    }

    private long consumedSoFar() {
        synchronized (lock) {
            return consumed;
        }
    }

    private void accept(Message m, PrintStream out, CountDownLatch done) {
        synchronized (lock) {
            if (max != null && consumed >= max) {
                return;
            }
            consumed++;
            lastMessageNs = System.nanoTime();
            if (!quiet) {
                out.write(m.payload(), 0, m.payloadLength());
                out.write('\n');
            }
            if (max != null && consumed == max) {
                cursorAtMax = m.cursorAfter();
                done.countDown();
            }
        }
    }

    private void waitUntilDone(CountDownLatch done) throws InterruptedException {
        while (true) {
            long waitMs = 200;
            if (idleTimeoutMs != null) {
                long idleMs;
                synchronized (lock) {
                    idleMs = (System.nanoTime() - lastMessageNs) / 1_000_000;
                }
                if (idleMs >= idleTimeoutMs) {
                    return;
                }
                waitMs = Math.min(waitMs, idleTimeoutMs - idleMs);
            }
            if (done.await(Math.max(1, waitMs), TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }
}
