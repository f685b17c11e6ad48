package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code scalesmall dev} process of three node processes, on a free block of ports, for tests:
 * node {@code i} (0-based) listens for clients at {@code base + 10 i} and for HTTP at {@code base +
 * 10 i + 1}. {@link #close} stops dev and then every node process by its PID.
 */
final class DevCluster implements AutoCloseable {
    private static final Pattern NODE_PID = Pattern.compile("node (\\d): pid (\\d+),");

    final int base;
    final Path log;
    final Process dev;
    final List<Long> nodePids = new ArrayList<>();

    private DevCluster(int base, Path log, Process dev) {
        this.base = base;
        this.log = log;
        this.dev = dev;
    }

    /** Starts dev with its data and log under {@code dir}, and waits until its nodes are up. */
    static DevCluster start(Path dir) throws IOException {
        return start(dir, Map.of());
    }

    /**
     * Starts dev as {@link #start(Path)} does, with {@code environment} added to its own (such as
     * {@code SCALESMALL_AUTH_FILE}, which its node processes take as a setting).
     */
    static DevCluster start(Path dir, Map<String, String> environment) throws IOException {
        int base = freeBase();
        Path log = dir.resolve("dev.log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        NodeProcess.jar().toAbsolutePath().toString(),
                        "dev",
                        "--data",
                        dir.resolve("data").toString(),
                        "--port",
                        Integer.toString(base),
                        "--http-port",
                        Integer.toString(base + 1),
                        "--node-java-opts",
                        "-Xmx512m -XX:+UseSerialGC")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process dev = builder.start();
        DevCluster cluster = new DevCluster(base, log, dev);
        try {
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        assertThat(dev.isAlive())
                                .as("dev is running:%n%s", cluster.output())
                                .isTrue();
                        return cluster.output().contains("Press Ctrl-C to stop.");
                    });
            Matcher m = NODE_PID.matcher(cluster.output());
            while (m.find()) {
                cluster.nodePids.add(Long.parseLong(m.group(2)));
            }
            assertThat(cluster.nodePids)
                    .as("node processes in:%n%s", cluster.output())
                    .hasSize(3);
            assertThat(cluster.nodePids).doesNotContain(dev.pid());
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** The client addresses of the three nodes, comma-separated, for {@code --server}. */
    String servers() {
        return "127.0.0.1:" + base + ",127.0.0.1:" + (base + 10) + ",127.0.0.1:" + (base + 20);
    }

    /** The admin HTTP base address of node {@code i} (0-based), such as {@code http://127.0.0.1:20001}. */
    String http(int i) {
        return "http://127.0.0.1:" + (base + 10 * i + 1);
    }

    /** What dev printed so far. */
    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() {
        dev.destroy();
        try {
            if (!dev.waitFor(60, TimeUnit.SECONDS)) {
                dev.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dev.destroyForcibly();
        }
        for (long pid : nodePids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** A base port whose client, cluster (TCP and UDP) and HTTP ports are free for 3 nodes. */
    private static int freeBase() {
        Random random = new Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + 100 * random.nextInt(400);
            if (allFree(base)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean allFree(int base) {
        try {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            for (int i = 0; i < 3; i++) {
                for (int offset = 0; offset < 3; offset++) {
                    int port = base + 10 * i + offset;
                    try (ServerSocket s = new ServerSocket(port, 1, loopback);
                            DatagramSocket d = new DatagramSocket(port, loopback)) {
                        s.getLocalPort();
                        d.getLocalPort();
                    }
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
