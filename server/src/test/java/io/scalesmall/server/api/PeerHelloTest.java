package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PeerHello;
import io.scalesmall.server.Node;
import io.scalesmall.server.cluster.net.ClusterKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node takes a peer hello signed under its cluster key once: the same hello replayed on another
 * connection is refused, a fresh one is taken, and one under another key is refused.
 */
class PeerHelloTest {
    private static final NodeId PEER = new NodeId(0x5151, 0x7272);

    @TempDir
    Path dir;

    private Node node;

    @BeforeEach
    void start() throws Exception {
        node = TestNodes.start(dir); // the development cluster key
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** A PEER_HELLO frame from {@link #PEER} to {@code to}, now, with a new nonce, signed under {@code keys}. */
    private static PeerHello hello(ClusterKeys keys, NodeId to) {
        byte[] nonce = new byte[PeerHello.NONCE_BYTES];
        ThreadLocalRandom.current().nextBytes(nonce);
        long now = System.currentTimeMillis();
        ByteBuf signed = Unpooled.buffer();
        PeerHello.writeSigned(signed, PEER, to, now, nonce);
        int length = signed.readableBytes();
        keys.sign(signed, 0, length, signed);
        byte[] mac = new byte[ClusterKeys.MAC_BYTES];
        signed.getBytes(length, mac);
        return new PeerHello(PEER, to, now, nonce, mac);
    }

    private PeerHello hello(ClusterKeys keys) {
        return hello(keys, node.nodeId());
    }

    /**
     * True when the node took {@code hello}: it counts one more peer connection while the
     * connection is open; false when it answered HELLO_REQUIRED and closed the connection.
     */
    private boolean taken(PeerHello hello) throws Exception {
        long peersBefore = node.agent().stats().peerConnections();
        try (RawClient c = new RawClient(node.address())) {
            c.send(FrameType.PEER_HELLO, 1, hello::write);
            c.socket().setSoTimeout(200);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                if (node.agent().stats().peerConnections() > peersBefore) {
                    return true;
                }
                try {
                    RawClient.Frame answer = c.read();
                    assertThat(answer.error().code()).isEqualTo(ErrorCode.HELLO_REQUIRED);
                    c.socket().setSoTimeout(10_000);
                    assertThat(c.isClosedByPeer()).isTrue();
                    return false;
                } catch (java.net.SocketTimeoutException nothingYet) {
                    // neither taken nor refused yet: ask again
                }
            }
            throw new AssertionError("the node neither took nor refused the hello within 30 s");
        } finally {
            // The node counts the connection out again once it sees it closed.
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> node.agent().stats().peerConnections() == peersBefore);
        }
    }

    @Test
    void aHelloIsTakenOnceAndAReplayOnAnotherConnectionIsRefused() throws Exception {
        PeerHello first = hello(ClusterKeys.devDefault());
        assertThat(taken(first)).as("a fresh hello").isTrue();
        assertThat(taken(first)).as("the same hello again (a replay)").isFalse();
        assertThat(taken(hello(ClusterKeys.devDefault())))
                .as("the peer's next hello")
                .isTrue();
        ClusterKeys other = new ClusterKeys("another-cluster-key-0001".getBytes(StandardCharsets.UTF_8));
        assertThat(taken(hello(other))).as("a hello under another key").isFalse();
        assertThat(taken(hello(ClusterKeys.devDefault(), new NodeId(1, 2))))
                .as("a hello for another node (replayed from a connection to it)")
                .isFalse();
        assertThat(node.agent().stats().refusedCount(ErrorCode.HELLO_REQUIRED)).isEqualTo(3);
    }

    @Test
    void hellosAreRememberedForTwiceTheSkewWindowAndNoMoreThanTheBound() {
        SeenHellos seen = new SeenHellos(60_000);
        byte[] mac = new byte[32];
        assertThat(seen.firstTime(mac, 1_000)).isTrue();
        assertThat(seen.firstTime(mac.clone(), 1_000 + 119_999)).isFalse();
        // Past 2 × 60 s the hello's own timestamp is out of the window: no need to remember it.
        assertThat(seen.firstTime(mac.clone(), 1_000 + 120_000)).isTrue();
        for (int i = 0; i < SeenHellos.MAX_REMEMBERED + 10; i++) {
            byte[] other = new byte[32];
            other[0] = 1;
            other[1] = (byte) (i >> 16);
            other[2] = (byte) (i >> 8);
            other[3] = (byte) i;
            seen.firstTime(other, 200_000);
        }
        assertThat(seen.size()).isLessThanOrEqualTo(SeenHellos.MAX_REMEMBERED);
    }
}
