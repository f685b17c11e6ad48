package io.scalesmall.cli;

import io.scalesmall.bench.LoadGenerator;
import io.scalesmall.bench.TemporaryNode;
import io.scalesmall.client.ClientConfig;
import io.scalesmall.protocol.DurabilityPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall bench}: end-to-end throughput and latency. Progress goes to stderr; the last
 * stdout line is a JSON object with the figures.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Publish N messages, then read them back; print throughput and publish-to-ack latency.")
final class BenchCommand implements Callable<Integer> {
    @Option(
            names = "--server",
            description = "HOST:PORT[,...] of nodes; without it a node is started in a temporary directory.")
    String server;

    @Option(
            names = "--messages",
            defaultValue = "1000000",
            description = "Messages to publish (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = "--size", defaultValue = "100", description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--producers", defaultValue = "1", description = "Producer clients (default: ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--durability", defaultValue = "disk=1", description = "Policy (default: ${DEFAULT-VALUE}).")
    String durability;

    @Option(
            names = "--rate",
            defaultValue = "0",
            description = "Target messages/s in total, 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(
            names = "--warmup",
            description = "Messages published before measuring (default: until the JIT compiler is idle, at least"
                    + " min(messages, 500000), at most 30 s).")
    Long warmup;

    @Option(
            names = "--linger-ms",
            defaultValue = "" + ClientConfig.DEFAULT_LINGER_MS,
            description = "Client linger (default: ${DEFAULT-VALUE}).")
    int lingerMs;

    @Option(
            names = "--send-when-idle",
            defaultValue = "true",
            arity = "1",
            description =
                    "Client sendWhenIdle: send a batch as soon as nothing awaits an answer (default: ${DEFAULT-VALUE}).")
    boolean sendWhenIdle;

    @Option(
            names = "--batch-bytes",
            defaultValue = "262144",
            description = "Client batch size (default: ${DEFAULT-VALUE}).")
    int batchBytes;

    @Option(
            names = "--payload",
            defaultValue = "random",
            description = "random (incompressible) or text (JSON-like) (default: ${DEFAULT-VALUE}).")
    String payload;

    @picocli.CommandLine.Mixin
    AccessOptions access;

    @Override
    public Integer call() throws Exception {
        if (messages < 1 || size < 0 || producers < 1 || rate < 0 || (warmup != null && warmup < 0)) {
            throw new IllegalArgumentException(
                    "--messages and --producers must be positive, --size, --rate and --warmup not negative");
        }
        if (!payload.equals("random") && !payload.equals("text")) {
            throw new IllegalArgumentException("--payload must be random or text");
        }
        DurabilityPolicy policy = DurabilityPolicy.parse(durability);
        TemporaryNode node = null;
        String servers = server;
        try {
            if (servers == null) {
                node = TemporaryNode.start();
                servers = node.address();
                System.err.println("started a node on " + servers + " with data in " + node.dataDir());
            }
            LoadGenerator.Options options = new LoadGenerator.Options(
                    servers,
                    messages,
                    size,
                    producers,
                    policy,
                    rate,
                    warmup != null ? warmup : -1,
                    lingerMs,
                    sendWhenIdle,
                    batchBytes,
                    payload,
                    builder -> {
                        try {
                            return access.apply(builder);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
            LoadGenerator.Result r = new LoadGenerator(options, System.err).run();
            Histogram h = r.latency();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("messages", r.messages());
            out.put("failed", r.failed());
            out.put("size", size);
            out.put("producers", producers);
            out.put("durability", policy.toString());
            out.put("payload", payload);
            out.put("rate", rate);
            out.put("msgs_per_sec", Math.round(r.msgsPerSec()));
            out.put("mb_per_sec", Math.round(r.mbPerSec() * 10) / 10.0);
            out.put("p50_ms", ms(h.getValueAtPercentile(50)));
            out.put("p99_ms", ms(h.getValueAtPercentile(99)));
            out.put("p999_ms", ms(h.getValueAtPercentile(99.9)));
            out.put("max_ms", ms(h.getMaxValue()));
            out.put("consume_msgs_per_sec", Math.round(r.consumeMsgsPerSec()));
            out.put("consumed", r.consumed());
            System.out.println(Json.line(out));
            return r.failed() == 0 && r.consumed() == r.messages() ? 0 : 1;
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
