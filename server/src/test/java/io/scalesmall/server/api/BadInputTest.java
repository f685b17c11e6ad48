package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.server.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input gets a clear error, loses nothing and leaves the node serving others.
 * After each case a second, well-behaved client publishes and reads back.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private Node node;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir, "max.frame.bytes", "65536", "max.message.bytes", "1024");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private RawClient connect() throws IOException {
        return new RawClient(node.address());
    }

    private RawClient helloed() throws IOException {
        RawClient c = connect();
        assertThat(c.hello(DurabilityPolicy.DISK_1).type()).isEqualTo(FrameType.HELLO_OK);
        return c;
    }

    private void assertNodeStillServes() throws IOException {
        try (RawClient c = helloed()) {
            c.publish(7, "healthy", 42, 0, List.of("still", "serving"), null);
            RawClient.Frame ack = c.read();
            assertThat(ack.type()).isEqualTo(FrameType.PUBLISH_OK);
            c.fetch(8, new FetchRequest("healthy", c.range("healthy"), StartPosition.beginning(), 1 << 20, 0));
            RawClient.Frame data = c.read();
            assertThat(TestNodes.payloads(data.body())).containsExactly("still", "serving");
        }
    }

    @Test
    void garbageBytesGetMalformedFrameAndCloseOnlyThatConnection() throws IOException {
        try (RawClient c = connect()) {
            c.writeRaw(new byte[] {0, 0, 0, 2, 9, 9, 9, 9, 9, 9});
            RawClient.Frame f = c.read();
            assertThat(f.type()).isEqualTo(FrameType.ERROR);
            assertThat(f.error().code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(c.isClosedByPeer()).isTrue();
        }
        assertNodeStillServes();
    }

    @Test
    void truncatedFrameThenDisconnectLosesNothingStored() throws IOException {
        try (RawClient c = helloed()) {
            c.publish(2, "s", 1, 0, List.of("kept"), null);
            assertThat(c.read().type()).isEqualTo(FrameType.PUBLISH_OK);
            c.writeRaw(new byte[] {0, 0, 1, 0, 1, 2, 0, 0, 0, 0, 0, 3, 1, 2, 3});
        }
        try (RawClient c = helloed()) {
            c.fetch(3, new FetchRequest("s", c.range("s"), StartPosition.beginning(), 1 << 20, 0));
            assertThat(TestNodes.payloads(c.read().body())).containsExactly("kept");
        }
        assertNodeStillServes();
    }

    @Test
    void frameOverTheLimitIsRefusedAndTheConnectionStaysUsable() throws IOException {
        try (RawClient c = helloed()) {
            List<String> big = new ArrayList<>(Collections.nCopies(200, "x".repeat(500)));
            c.publish(5, "s", 1, 0, big, null);
            RawClient.Frame f = c.read();
            assertThat(f.requestId()).isEqualTo(5);
            assertThat(f.error().code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(f.error().message()).contains("65536");
            c.publish(6, "s", 1, 0, List.of("small"), null);
            assertThat(c.read().type()).isEqualTo(FrameType.PUBLISH_OK);
        }
    }

    @Test
    void messageOverTheLimitIsRefusedWithMessageTooLarge() throws IOException {
        try (RawClient c = helloed()) {
            c.publish(5, "s", 1, 0, List.of("ok", "y".repeat(2000)), null);
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(f.error().message()).contains("1024");
            c.fetch(6, new FetchRequest("s", c.range("s"), StartPosition.beginning(), 1 << 20, 0));
            RawClient.Frame stored = c.read();
            assertThat(stored.type()).isEqualTo(FrameType.FETCH_OK);
            assertThat(TestNodes.payloads(stored.body()))
                    .as("nothing of the refused batch")
                    .isEmpty();
        }
        assertNodeStillServes();
    }

    @Test
    void unknownProtocolVersionIsRefusedAndClosed() throws IOException {
        try (RawClient c = connect()) {
            c.writeRaw(new byte[] {0, 0, 0, 8, 9, 1, 0, 0, 0, 0, 0, 77});
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
            assertThat(f.requestId()).isEqualTo(77);
            assertThat(c.isClosedByPeer()).isTrue();
        }
        assertNodeStillServes();
    }

    @Test
    void requestBeforeHelloIsRefused() throws IOException {
        try (RawClient c = connect()) {
            c.publish(3, "s", 1, 0, List.of("a"), null);
            assertThat(c.read().error().code()).isEqualTo(ErrorCode.HELLO_REQUIRED);
        }
    }

    @Test
    void invalidStreamNameIsRefused() throws IOException {
        try (RawClient c = helloed()) {
            c.publish(3, "bad name/with slash", 1, 0, List.of("a"), null);
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isEqualTo(ErrorCode.INVALID_STREAM_NAME);
            assertThat(f.error().message()).contains("bad name/with slash");
        }
        assertNodeStillServes();
    }

    @Test
    void fetchOfAnUnknownStreamIsRefused() throws IOException {
        try (RawClient c = helloed()) {
            c.fetch(3, new FetchRequest("nope", 0, StartPosition.beginning(), 1024, 0));
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isEqualTo(ErrorCode.UNKNOWN_STREAM);
            assertThat(f.error().message()).contains("nope");
        }
    }

    @Test
    void policyTheClusterCannotHoldIsRefusedNamingPolicyAndCluster() throws IOException {
        try (RawClient c = connect()) {
            RawClient.Frame f = c.hello(new DurabilityPolicy(0, 2));
            assertThat(f.error().code()).isEqualTo(ErrorCode.POLICY_NOT_SATISFIABLE);
            assertThat(f.error().message()).contains("disk=2").contains("1 live node");
        }
        try (RawClient c = helloed()) {
            c.publish(4, "s", 1, 0, List.of("a"), new DurabilityPolicy(2, 1));
            RawClient.Frame f = c.read();
            assertThat(f.error().code()).isEqualTo(ErrorCode.POLICY_NOT_SATISFIABLE);
            assertThat(f.error().message()).contains("memory=2,disk=1");
        }
    }

    @Test
    void invalidPolicyBytesAreRefused() throws IOException {
        try (RawClient c = connect()) {
            c.send(FrameType.HELLO, 1, b -> {
                io.scalesmall.protocol.FieldCodec.writeString(b, "x");
                b.writeByte(0);
                b.writeByte(0);
                b.writeInt(1 << 20);
            });
            assertThat(c.read().error().code()).isEqualTo(ErrorCode.INVALID_POLICY);
        }
    }

    @Test
    void emptyBatchIsRefused() throws IOException {
        try (RawClient c = helloed()) {
            c.send(FrameType.PUBLISH, 3, b -> {
                PublishRequest.writePrefix(b, "s", 0, null);
                RawClient.writeBatch(b, 1, 0, List.of());
            });
            assertThat(c.read().error().code()).isEqualTo(ErrorCode.EMPTY_BATCH);
        }
        assertNodeStillServes();
    }

    @Test
    void batchWhoseCountLiesIsRefused() throws IOException {
        try (RawClient c = helloed()) {
            c.send(FrameType.PUBLISH, 3, b -> {
                PublishRequest.writePrefix(b, "s", 0, null);
                int at = b.writerIndex();
                RawClient.writeBatch(b, 1, 0, List.of("a", "b"));
                b.setInt(at + io.scalesmall.protocol.BatchFormat.COUNT_OFFSET, 3);
            });
            assertThat(c.read().error().code()).isEqualTo(ErrorCode.INVALID_BATCH);
        }
        assertNodeStillServes();
    }

    @Test
    void unknownFrameTypeIsRefusedAndTheConnectionStaysUsable() throws IOException {
        try (RawClient c = helloed()) {
            c.writeRaw(new byte[] {0, 0, 0, 8, 1, 0x42, 0, 0, 0, 0, 0, 9});
            RawClient.Frame f = c.read();
            assertThat(f.requestId()).isEqualTo(9);
            assertThat(f.error().code()).isEqualTo(ErrorCode.UNKNOWN_REQUEST_TYPE);
            c.publish(10, "s", 1, 0, List.of("a"), null);
            assertThat(c.read().type()).isEqualTo(FrameType.PUBLISH_OK);
        }
    }
}
