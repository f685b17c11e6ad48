package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.FetchResult;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.protocol.DurabilityPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The node process as an operator sees it: start, SIGTERM, restart, one node per data directory. */
@Tag("process")
class NodeLifecycleIT {
    @TempDir
    Path dir;

    private NodeProcess node;
    private NodeProcess second;

    @AfterEach
    void cleanUp() {
        if (node != null) {
            node.close();
        }
        if (second != null) {
            second.close();
        }
    }

    private ScaleSmallClient client(DurabilityPolicy policy) {
        return ScaleSmallClient.create(ClientConfig.builder()
                .servers(node.address())
                .durability(policy)
                .build());
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void sigtermStopsCleanlyKeepingEverythingAcknowledgedInMemory() throws Exception {
        node = new NodeProcess(dir.resolve("data"), NodeProcess.freePort());
        node.start();
        try (ScaleSmallClient client = client(DurabilityPolicy.MEMORY_1)) {
            for (int i = 0; i < 1000; i++) {
                client.publish("life", null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            client.flush();
        }
        // A JVM stopped by SIGTERM exits with 128 + 15 once its shutdown hooks have run.
        assertThat(node.stop())
                .as("exit code after SIGTERM; log:\n%s", node.log())
                .isIn(0, 143);
        assertThat(node.log()).contains("stopped");

        node.start();
        try (ScaleSmallClient client = client(DurabilityPolicy.MEMORY_1)) {
            FetchResult all = client.fetch("life", From.beginning(), 1 << 20).get(30, TimeUnit.SECONDS);
            assertThat(all.messages()).hasSize(1000);
            assertThat(new String(all.messages().get(999).payload(), StandardCharsets.UTF_8))
                    .isEqualTo("m999");
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aSecondNodeOnTheSameDataDirectoryRefusesToStart() throws Exception {
        node = new NodeProcess(dir.resolve("data"), NodeProcess.freePort());
        node.start();
        second = new NodeProcess(dir.resolve("data"), NodeProcess.freePort());
        org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
                .hasStackTraceContaining("in use by another node");
        assertThat(node.isAlive()).isTrue();
    }
}
