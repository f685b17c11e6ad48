package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.Subscription;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.Protocol;
import io.scalesmall.protocol.PublishRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile traffic against one node process while a normal producer and consumer run: many
 * sockets send garbage, frames that claim 2 GiB, HELLOs followed by oversized or malformed
 * publishes, or connect and say nothing, and more of them than the node's {@code max.connections}.
 * The producer's messages are all acknowledged, the consumer reads each exactly once, and the node
 * counts what it refused.
 */
@Tag("process")
class FloodIT {
    private static final int MESSAGES = 100_000;
    private static final int FLOODERS = 8;

    @TempDir
    Path dir;

    private NodeProcess node;
    private final AtomicBoolean flooding = new AtomicBoolean(true);
    private final List<Thread> flooders = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        flooding.set(false);
        for (Thread t : flooders) {
            t.join(10_000);
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void normalTrafficGoesOnAndLosesNothingWhileSocketsFloodTheNode() throws Exception {
        Path config = dir.resolve("node.properties");
        Files.writeString(
                config,
                "max.connections=64\nhello.timeout.ms=2000\nmax.frame.bytes=1048576\nmax.message.bytes=65536\n",
                StandardCharsets.UTF_8);
        int httpPort = NodeProcess.freePort();
        node = new NodeProcess(
                dir.resolve("node"),
                NodeProcess.freePort(),
                "--config",
                config.toString(),
                "--http-port",
                Integer.toString(httpPort));
        node.start();
        String[] hostPort = node.address().split(":");
        InetSocketAddress target = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));

        // The normal clients connect first, then the flood starts and runs until they are done.
        ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
        try (ScaleSmallClient reader = ScaleSmallClient.create(
                        ClientConfig.builder().servers(node.address()).build());
                Subscription sub = reader.subscribe(
                        "calm",
                        From.beginning(),
                        m -> received.add(Integer.parseInt(new String(m.payload(), StandardCharsets.UTF_8))));
                ScaleSmallClient writer = ScaleSmallClient.create(ClientConfig.builder()
                        .servers(node.address())
                        .durability(DurabilityPolicy.parse("disk=1"))
                        .build())) {
            writer.createStream("calm", io.scalesmall.protocol.StreamOptions.DEFAULT)
                    .get(30, TimeUnit.SECONDS);
            for (int i = 0; i < FLOODERS; i++) {
                long seed = i;
                Thread t = new Thread(() -> flood(target, new Random(seed)), "flooder-" + i);
                t.setDaemon(true);
                t.start();
                flooders.add(t);
            }
            AtomicLong acked = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<CompletableFuture<?>> window = new ArrayList<>();
            for (int n = 0; n < MESSAGES; n++) {
                byte[] key = ("k" + (n % 100)).getBytes(StandardCharsets.UTF_8);
                window.add(writer.publish("calm", key, Integer.toString(n).getBytes(StandardCharsets.UTF_8))
                        .whenComplete((ack, error) -> (error == null ? acked : failed).incrementAndGet()));
                if (window.size() == 1000) {
                    CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
                            .exceptionally(e -> null)
                            .get(60, TimeUnit.SECONDS);
                    window.clear();
                }
            }
            CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
                    .exceptionally(e -> null)
                    .get(60, TimeUnit.SECONDS);
            assertThat(failed.get()).as("publishes that failed").isZero();
            assertThat(acked.get()).isEqualTo(MESSAGES);
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= MESSAGES);
            assertThat(sub.isClosed()).isFalse();
        }
        BitSet seen = new BitSet();
        int twice = 0;
        for (int n : received) {
            twice += seen.get(n) ? 1 : 0;
            seen.set(n);
        }
        assertThat(twice).as("messages read twice").isZero();
        assertThat(seen.cardinality()).as("distinct messages read").isEqualTo(MESSAGES);
        assertThat(node.isAlive()).isTrue();

        // The flood goes on until the node has refused each kind of abuse at least once.
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    String metrics = http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
                    assertThat(positive(metrics, "scalesmall_refused_requests_total{code=\"FRAME_TOO_LARGE\"}"))
                            .as("oversized frames refused")
                            .isTrue();
                    assertThat(positive(metrics, "scalesmall_refused_connections_total{reason=\"hello_timeout\"}"))
                            .as("silent connections closed")
                            .isTrue();
                    assertThat(positive(metrics, "scalesmall_refused_connections_total{reason=\"limit\"}"))
                            .as("connections over max.connections refused")
                            .isTrue();
                });
        flooding.set(false);
        assertThat(node.isAlive()).isTrue();
    }

    private static boolean positive(String metrics, String sample) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim()) > 0;
            }
        }
        return false;
    }

    /** Opens sockets and misbehaves on them in turn until told to stop (bounded by count too). */
    private void flood(InetSocketAddress target, Random random) {
        List<Socket> silent = new ArrayList<>();
        List<Long> silentSince = new ArrayList<>();
        for (int round = 0; flooding.get() && round < 100_000; round++) {
            try {
                Socket s = new Socket();
                s.connect(target, 2000);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                switch (round % 5) {
                    case 0 -> { // random garbage
                        byte[] junk = new byte[1 + random.nextInt(16 * 1024)];
                        random.nextBytes(junk);
                        out.write(junk);
                        s.close();
                    }
                    case 1 -> { // a frame that claims 2 GiB, then garbage
                        byte[] junk = new byte[4096];
                        random.nextBytes(junk);
                        junk[0] = 0x7F;
                        junk[1] = (byte) 0xFF;
                        junk[2] = (byte) 0xFF;
                        junk[3] = (byte) 0xF0;
                        out.write(junk);
                        s.getInputStream().read(new byte[256]);
                        s.close();
                    }
                    case 2 -> { // a proper HELLO, then a publish far over max.frame.bytes
                        out.write(frame(
                                FrameType.HELLO,
                                1,
                                b -> new HelloRequest(
                                                "flood", DurabilityPolicy.MEMORY_1, Protocol.DEFAULT_MAX_FRAME_BYTES)
                                        .write(b)));
                        byte[] big = frame(FrameType.PUBLISH, 2, b -> {
                            PublishRequest.writePrefix(b, "calm", 0, null);
                            b.writeZero(2 * 1024 * 1024);
                        });
                        out.write(big);
                        s.getInputStream().read(new byte[256]);
                        s.close();
                    }
                    case 3 -> { // a HELLO, then a publish whose batch is nonsense
                        out.write(frame(
                                FrameType.HELLO,
                                1,
                                b -> new HelloRequest(
                                                "flood", DurabilityPolicy.MEMORY_1, Protocol.DEFAULT_MAX_FRAME_BYTES)
                                        .write(b)));
                        out.write(frame(FrameType.PUBLISH, 2, b -> {
                            PublishRequest.writePrefix(b, "calm", 0, null);
                            byte[] junk = new byte[200];
                            random.nextBytes(junk);
                            b.writeBytes(junk);
                        }));
                        s.getInputStream().read(new byte[256]);
                        s.close();
                    }
                    default -> { // connect and say nothing, for longer than hello.timeout.ms
                        silent.add(s);
                        silentSince.add(System.nanoTime());
                        while (!silent.isEmpty()
                                && (silent.size() > 200
                                        || System.nanoTime() - silentSince.get(0) > TimeUnit.SECONDS.toNanos(5))) {
                            silent.remove(0).close();
                            silentSince.remove(0);
                        }
                    }
                }
            } catch (IOException e) {
                // refused, reset or timed out: the node defends itself; go on
            }
        }
        for (Socket s : silent) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static byte[] frame(
            FrameType type, int requestId, java.util.function.Consumer<io.netty.buffer.ByteBuf> body) {
        io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.buffer();
        int start = FrameHeader.begin(b, type, requestId);
        body.accept(b);
        FrameHeader.finish(b, start);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return bytes;
    }
}
