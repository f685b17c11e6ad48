package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.server.Node;
import io.scalesmall.server.replication.DataStats;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections a node keeps: at most max.connections clients, and none that stays silent. */
class ConnectionLimitsTest {
    @TempDir
    Path dir;

    private Node node;
    private DataStats stats;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, "max.connections", "2", "hello.timeout.ms", "2000");
        stats = node.agent().stats();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void aClientOverTheLimitIsToldBusyAndTheNextOneIsServedOnceARoomFreesUp() throws Exception {
        try (RawClient first = new RawClient(node.address());
                RawClient second = new RawClient(node.address())) {
            assertThat(first.hello(DurabilityPolicy.DISK_1).type()).isEqualTo(FrameType.HELLO_OK);
            assertThat(second.hello(DurabilityPolicy.DISK_1).type()).isEqualTo(FrameType.HELLO_OK);
            try (RawClient third = new RawClient(node.address())) {
                RawClient.Frame refused = third.hello(DurabilityPolicy.DISK_1);
                assertThat(refused.error().code()).isEqualTo(ErrorCode.BUSY);
                assertThat(refused.error().message()).contains("max.connections");
                assertThat(third.isClosedByPeer()).isTrue();
            }
            assertThat(stats.connectionsOverLimit()).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.clientConnections() == 0);
        try (RawClient again = new RawClient(node.address())) {
            assertThat(again.hello(DurabilityPolicy.DISK_1).type()).isEqualTo(FrameType.HELLO_OK);
        }
    }

    @Test
    void aConnectionThatNeverSaysHelloIsClosed() throws Exception {
        try (RawClient silent = new RawClient(node.address())) {
            RawClient.Frame told = silent.read();
            assertThat(told.error().code()).isEqualTo(ErrorCode.HELLO_REQUIRED);
            assertThat(told.error().message()).contains("no HELLO within 2000 ms");
            assertThat(silent.isClosedByPeer()).isTrue();
        }
        assertThat(stats.helloTimeouts()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.clientConnections() == 0);
    }
}
