package io.scalesmall.cli;

import io.scalesmall.client.PublishAck;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.DurabilityPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall publish}: sends generated messages or one message per stdin line, waits for
 * every acknowledgement, and prints a JSON summary as its last line.
 */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        description = "Publish messages (--count/--size, or one per line of stdin) and wait for every ack.")
final class PublishCommand implements Callable<Integer> {
    @Option(names = "--server", required = true, description = "HOST:PORT[,HOST:PORT...] of nodes.")
    String server;

    @picocli.CommandLine.Mixin
    AccessOptions auth;

    @Option(names = "--stream", required = true, description = "Stream name.")
    String stream;

    @Option(
            names = "--durability",
            defaultValue = "disk=1",
            description = "Policy: memory=N, disk=M or both (default: ${DEFAULT-VALUE}).")
    String durability;

    @Option(names = "--key", description = "Key of every message (default: none).")
    String key;

    @Option(names = "--count", description = "Number of generated messages (with --size).")
    Long count;

    @Option(names = "--size", description = "Payload bytes of each generated message (with --count).")
    Integer size;

    @Option(
            names = "--progress",
            description = "Draw a progress bar on stderr even when it is not a terminal (it is drawn on one).")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        if ((count == null) != (size == null)) {
            throw new IllegalArgumentException("--count and --size go together (or neither, to read stdin)");
        }
        if (count != null && (count < 0 || size < 0)) {
            throw new IllegalArgumentException("--count and --size must not be negative");
        }
        DurabilityPolicy policy = DurabilityPolicy.parse(durability);
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        AtomicLong acked = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long sent = 0;
        long startNs = System.nanoTime();
        Progress bar = Progress.start(progress, "acked", count == null ? -1 : count, acked::get);
        try (ScaleSmallClient client =
                ScaleSmallClient.create(auth.apply(Servers.config(server, "scalesmall-cli-publish", policy))
                        .build())) {
            if (count != null) {
                for (long i = 0; i < count; i++) {
                    track(client.publish(stream, keyBytes, payload(i, size)), acked, duplicates, failed, firstError);
                    sent++;
                }
            } else {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    track(
                            client.publish(stream, keyBytes, line.getBytes(StandardCharsets.UTF_8)),
                            acked,
                            duplicates,
                            failed,
                            firstError);
                    sent++;
                }
            }
            client.flush();
        } finally {
            bar.close();
        }
        long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("acked", acked.get());
        summary.put("failed", failed.get() + (sent - acked.get() - failed.get()));
        summary.put("duplicates", duplicates.get());
        summary.put("stream", stream);
        summary.put("durability", policy.toString());
        summary.put("elapsed_ms", elapsedMs);
        if (firstError.get() != null) {
            summary.put("error", firstError.get());
        }
        System.out.println(Json.line(summary));
        return acked.get() == sent ? 0 : 1;
    }

    private static void track(
            CompletableFuture<PublishAck> f,
            AtomicLong acked,
            AtomicLong duplicates,
            AtomicLong failed,
            AtomicReference<String> firstError) {
        f.whenComplete((ack, error) -> {
            if (error == null) {
                acked.incrementAndGet();
                if (ack.duplicate()) {
                    duplicates.incrementAndGet();
                }
            } else {
                failed.incrementAndGet();
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                if (firstError.compareAndSet(null, String.valueOf(cause.getMessage()))) {
                    System.err.println("publish failed: " + cause.getMessage());
                }
            }
        });
    }

    /** A printable payload of {@code size} bytes that starts with the message number. */
    static byte[] payload(long i, int size) {
        byte[] p = new byte[size];
        Arrays.fill(p, (byte) 'x');
        byte[] number = Long.toString(i).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(number, 0, p, 0, Math.min(number.length, size));
        if (size > number.length) {
            p[number.length] = ' ';
        }
        return p;
    }
}
