package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import io.scalesmall.server.replication.DataAgentConfig;
import io.scalesmall.server.storage.FaultyFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk stops acknowledgements with a clear, retriable error, loses nothing already
 * acknowledged, keeps serving reads, and publishing recovers when space returns.
 */
class DiskFullTest {
    @TempDir
    Path dir;

    private final FaultyFiles files = new FaultyFiles();
    private Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private void start() throws Exception {
        NodeConfig defaults = NodeConfig.defaults(dir, "127.0.0.1", 0);
        DataAgentConfig agent = defaults.agent();
        DataAgentConfig faulty = new DataAgentConfig(
                agent.storage().withFileOpener(files),
                agent.retention(),
                agent.defaultStreamOptions(),
                agent.memoryTailBytes(),
                agent.producerExpiryMs(),
                agent.queueCapacity(),
                agent.idlePollMs());
        node = Node.start(new NodeConfig(dir, defaults.api(), "127.0.0.1", -1, faulty, defaults.cluster()));
    }

    private List<String> readAll(RawClient c) throws IOException {
        c.fetch(50, new FetchRequest("s", c.range("s"), StartPosition.beginning(), 1 << 20, 0));
        return TestNodes.payloads(c.read().body());
    }

    @Test
    void fullDiskRefusesWithStorageFullKeepsAckedDataAndRecovers() throws Exception {
        start();
        try (RawClient c = new RawClient(node.address())) {
            c.hello(DurabilityPolicy.DISK_1);
            c.publish(2, "s", 1, 0, List.of("before-1", "before-2"), null);
            assertThat(c.read().type()).isEqualTo(FrameType.PUBLISH_OK);

            files.bytesLeft.set(10);
            c.publish(3, "s", 1, 2, List.of("during"), null);
            RawClient.Frame refused = c.read();
            assertThat(refused.error().code()).isEqualTo(ErrorCode.STORAGE_FULL);
            assertThat(refused.error().code().retriable()).isTrue();
            assertThat(refused.error().message()).contains("full");
            c.publish(4, "s", 1, 2, List.of("during"), DurabilityPolicy.MEMORY_1);
            assertThat(c.read().error().code()).isEqualTo(ErrorCode.STORAGE_FULL);
            assertThat(readAll(c)).containsExactly("before-1", "before-2");

            files.bytesLeft.set(FaultyFiles.UNLIMITED);
            c.publish(5, "s", 1, 2, List.of("after"), null);
            assertThat(c.read().type()).isEqualTo(FrameType.PUBLISH_OK);
            assertThat(readAll(c)).containsExactly("before-1", "before-2", "after");
        }
        node.close();
        node = null;
        start();
        try (RawClient c = new RawClient(node.address())) {
            c.hello(DurabilityPolicy.DISK_1);
            assertThat(readAll(c)).containsExactly("before-1", "before-2", "after");
        }
    }

    @Test
    void failedFsyncFailsDiskAcksAndTheRangeRecoversAfterReopening() throws Exception {
        start();
        try (RawClient c = new RawClient(node.address())) {
            c.hello(DurabilityPolicy.DISK_1);
            c.publish(2, "s", 1, 0, List.of("safe"), null);
            assertThat(c.read().type()).isEqualTo(FrameType.PUBLISH_OK);

            files.forceFailure.set(new IOException("No space left on device"));
            c.publish(3, "s", 1, 1, List.of("unsure"), null);
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isIn(ErrorCode.STORAGE_FULL, ErrorCode.STORAGE_ERROR);

            files.forceFailure.set(null);
            List<String> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                c.publish(4, "s", 1, 1, List.of("unsure"), null);
                RawClient.Frame again = c.read();
                assertThat(again.type())
                        .as("%s", again.type() == FrameType.ERROR ? again.error() : "")
                        .isEqualTo(FrameType.PUBLISH_OK);
            });
            got.addAll(readAll(c));
            assertThat(got).containsExactly("safe", "unsure");
        }
    }
}
