package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scalesmall dev} as a new user tries it: three node processes come up, 100,000 messages
 * are published with {@code disk=2}, one node process is killed with SIGKILL, and a consumer
 * reading from the beginning gets all 100,000, each once. Stopping dev stops its nodes.
 */
@Tag("cluster")
class DevIT {
    @TempDir
    Path dir;

    private DevCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aClusterThatLosesANodeProcessStillServesEveryMessage() throws Exception {
        cluster = DevCluster.start(dir);
        Process dev = cluster.dev;
        List<Long> nodePids = cluster.nodePids;
        int base = cluster.base;
        Path log = cluster.log;
        String servers = cluster.servers();

        String[] published = run(
                "publish",
                "--server",
                servers,
                "--stream",
                "demo",
                "--count",
                "100000",
                "--size",
                "100",
                "--durability",
                "disk=2");
        assertThat(published[0]).isEqualTo("0");
        assertThat(lastLine(published[1]).get("acked").asLong()).isEqualTo(100_000);

        String[] healthy = run("health", "--server", servers, "--exit-when-healthy", "--wait-ms", "60000");
        assertThat(healthy[0]).as("health exit status; it said %s", healthy[1]).isEqualTo("0");
        JsonNode before = lastLine(run("streams", "--server", servers, "--json")[1])
                .get("streams")
                .get(0);
        assertThat(before.get("underReplicatedBatches").asLong()).isZero();
        assertThat(before.get("batches").asLong()).isPositive();
        for (JsonNode range : before.get("ranges")) {
            assertThat(range.get("replicas")).hasSize(3);
        }

        long victim = nodePids.get(2);
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(victim).map(p -> !p.isAlive()).orElse(true));
        await().atMost(Duration.ofSeconds(10)).until(() -> read(log).contains("node 3 (pid " + victim + ") exited"));

        JsonNode after = lastLine(run("streams", "--server", servers, "--json")[1])
                .get("streams")
                .get(0);
        assertThat(after.get("underReplicatedBatches").asLong())
                .as("the dead node's copies are missing")
                .isPositive();
        String[] health = run("health", "--server", servers);
        assertThat(health[0]).as("health exit status with a node down").isEqualTo("4");
        assertThat(health[1]).startsWith("not healthy: ").contains("under-replicated batches");

        String[] consumed = run(
                "consume", "--server", servers, "--stream", "demo", "--from", "beginning", "--idle-timeout-ms", "5000");
        assertThat(consumed[0]).isEqualTo("0");
        String[] lines = consumed[1].strip().split("\n");
        BitSet seen = new BitSet();
        int twice = 0;
        for (int i = 0; i < lines.length - 1; i++) {
            int number = Integer.parseInt(lines[i].split("[^0-9]", 2)[0]);
            if (seen.get(number)) {
                twice++;
            }
            seen.set(number);
        }
        assertThat(twice).as("messages read twice").isZero();
        assertThat(seen.cardinality()).as("distinct messages read back").isEqualTo(100_000);
        assertThat(seen.nextSetBit(0)).isZero();
        assertThat(seen.length()).isEqualTo(100_000);

        // Node 2 leaves for good: it hands off (nothing to copy: node 1 holds every range), leaves,
        // and its process ends by itself.
        String[] left = run("leave", "--http", "127.0.0.1:" + (base + 11), "--timeout-ms", "60000");
        assertThat(left[0]).as("leave: %s", left[1]).isEqualTo("0");
        assertThat(lastLine(left[1]).get("left").asBoolean()).isTrue();
        assertThat(lastLine(left[1]).get("handedOff").asBoolean()).isTrue();
        long second = nodePids.get(1);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(second).map(p -> !p.isAlive()).orElse(true));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> read(log).contains("node 2 (pid " + second + ") exited with 0"));

        dev.destroy();
        assertThat(dev.waitFor(60, TimeUnit.SECONDS)).isTrue();
        for (long pid : nodePids) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        }
        assertThat(read(log)).contains("stopped");
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Runs a command line in this JVM; returns {exit code, stdout}. */
    private static String[] run(String... args) {
        Object[] result = CommandRun.run("", false, args);
        return new String[] {String.valueOf(result[0]), (String) result[1]};
    }

    private static JsonNode lastLine(String out) throws IOException {
        String[] lines = out.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
}
