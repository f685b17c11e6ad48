package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.FetchResult;
import io.scalesmall.client.From;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.ScaleSmallException;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.Protocol;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with principals: a client without a credential, with a wrong one, or with one lacking the
 * permission is refused and nothing is written; one with the permission is served; changing the
 * node through the admin endpoint needs an admin's token, reading it a monitor's or an admin's.
 */
class AuthTest {
    private static final String WRITER = "writer-token-0123456789";
    private static final String READER = "reader-token-0123456789";
    private static final String ADMIN = "admin-token-0123456789ab";
    private static final String MONITOR = "monitor-token-0123456789";

    @TempDir
    Path dir;

    private Node node;
    private Node second;
    private Path principals;

    @BeforeEach
    void start() throws Exception {
        principals = dir.resolve("principals.yaml");
        Files.writeString(
                principals,
                """
                principals:
                  - name: writer
                    token: "%s"
                    publish: ["orders*"]
                  - name: reader
                    tokenSha256: "%s"
                    consume: ["orders"]
                  - name: ops
                    token: "%s"
                    publish: ["*"]
                    consume: ["*"]
                    admin: true
                  - name: prometheus
                    token: "%s"
                    monitor: true
                """.formatted(WRITER, java.util.HexFormat.of().formatHex(Principals.sha256(READER)), ADMIN, MONITOR),
                StandardCharsets.UTF_8);
        node = TestNodes.start(
                dir.resolve("data"), "auth.file", principals.toString(), "http.port", "0", "auth.reload.ms", "100");
    }

    @AfterEach
    void stop() {
        if (second != null) {
            second.close();
        }
        node.close();
    }

    private ScaleSmallClient client(String token) {
        return ScaleSmallClient.create(ClientConfig.builder()
                .servers("127.0.0.1:" + node.address().getPort())
                .token(token)
                .requestTimeoutMs(5_000)
                .deliveryTimeoutMs(10_000)
                .build());
    }

    private static ErrorCode failure(CompletableFuture<?> future) {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            assertThat(cause).isInstanceOf(ScaleSmallException.class);
            return ((ScaleSmallException) cause).code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void aHelloWithoutOrWithAWrongCredentialIsRefusedAndTheConnectionClosed() throws Exception {
        for (String token : new String[] {null, "not-a-known-token-at-all"}) {
            try (RawClient c = new RawClient(node.address())) {
                c.send(
                        FrameType.HELLO,
                        1,
                        b -> new HelloRequest("raw", DurabilityPolicy.DISK_1, Protocol.DEFAULT_MAX_FRAME_BYTES, token)
                                .write(b));
                RawClient.Frame answer = c.read();
                assertThat(answer.error().code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
                assertThat(c.isClosedByPeer()).isTrue();
            }
        }
        try (ScaleSmallClient anonymous = client(null)) {
            assertThat(failure(anonymous.publish("orders", null, "x".getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(ErrorCode.UNAUTHENTICATED);
        }
        assertThat(node.agent().catalog().streams()).isEmpty();
        assertThat(node.agent().stats().refusedCount(ErrorCode.UNAUTHENTICATED)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void eachPrincipalMayDoWhatItsPermissionsSayAndNothingElse() throws Exception {
        try (ScaleSmallClient writer = client(WRITER);
                ScaleSmallClient reader = client(READER);
                ScaleSmallClient ops = client(ADMIN)) {
            writer.publish("orders", "k".getBytes(StandardCharsets.UTF_8), "o-1".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            ops.publish("payments", null, "p-1".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);

            assertThat(failure(writer.publish("payments", null, "p-2".getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(ErrorCode.NOT_AUTHORIZED);
            assertThat(failure(writer.fetch("orders", From.beginning(), 1 << 20)))
                    .as("the writer may not read")
                    .isEqualTo(ErrorCode.NOT_AUTHORIZED);
            assertThat(failure(reader.publish("orders", null, "o-2".getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(ErrorCode.NOT_AUTHORIZED);
            assertThat(failure(reader.createStream("orders-eu", io.scalesmall.protocol.StreamOptions.DEFAULT)))
                    .isEqualTo(ErrorCode.NOT_AUTHORIZED);

            FetchResult read = reader.fetch("orders", From.beginning(), 1 << 20).get(30, TimeUnit.SECONDS);
            assertThat(read.messages())
                    .extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                    .containsExactly("o-1");
            MetadataResponse visible = reader.metadata().get(30, TimeUnit.SECONDS);
            assertThat(visible.streams())
                    .as("a principal learns only of streams it may use")
                    .extracting(MetadataResponse.Stream::name)
                    .containsExactly("orders");
            FetchResult payments =
                    ops.fetch("payments", From.beginning(), 1 << 20).get(30, TimeUnit.SECONDS);
            assertThat(payments.messages()).hasSize(1);
        }
        // Nothing refused was written.
        assertThat(node.agent().catalog().stream("orders-eu")).isNull();
        assertThat(node.agent().stats().stream("payments").publishedMessages()).isEqualTo(1);
        assertThat(node.agent().stats().stream("orders").publishedMessages()).isEqualTo(1);
    }

    @Test
    void aChangedPrincipalsFileTakesEffectOnOpenSessionsWithoutARestart() throws Exception {
        String newcomerToken = "newcomer-token-0123456789";
        try (ScaleSmallClient writer = client(WRITER);
                ScaleSmallClient reader = client(READER)) {
            writer.publish("orders", null, "before".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            java.util.List<String> read = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CompletableFuture<ScaleSmallException> ended = new CompletableFuture<>();
            reader.subscribe("orders", From.beginning(), new io.scalesmall.client.MessageHandler() {
                @Override
                public void onMessage(io.scalesmall.client.Message message) {
                    read.add(new String(message.payload(), StandardCharsets.UTF_8));
                }

                @Override
                public void onError(ScaleSmallException error) {
                    ended.complete(error);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> read.contains("before"));

            // The writer is removed, the reader may no longer consume, a newcomer is added.
            Files.writeString(principals, """
                    principals:
                      - name: reader
                        token: "%s"
                        consume: ["payments"]
                      - name: newcomer
                        token: "%s"
                        publish: ["orders"]
                    """.formatted(READER, newcomerToken), StandardCharsets.UTF_8);

            assertThat(ended.get(30, TimeUnit.SECONDS).code())
                    .as("the reader's subscription to a stream it may no longer read")
                    .isEqualTo(ErrorCode.NOT_AUTHORIZED);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(
                                    failure(writer.publish("orders", null, "after".getBytes(StandardCharsets.UTF_8))))
                            .as("the removed writer's session")
                            .isEqualTo(ErrorCode.UNAUTHENTICATED));
            try (ScaleSmallClient newcomer = client(newcomerToken)) {
                newcomer.publish("orders", null, "newcomer".getBytes(StandardCharsets.UTF_8))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(node.agent().stats().stream("orders").publishedMessages())
                .as("before and newcomer, nothing from the removed writer")
                .isEqualTo(2);
    }

    @Test
    void aRevokedSessionIsClosedEvenWhenItsClientReadsNothing() throws Exception {
        // A node whose answers to this client pile up after a few kilobytes: it then stops reading
        // the socket, and an error it writes cannot leave until the client reads.
        second = TestNodes.start(
                dir.resolve("small-buffers"),
                "auth.file",
                principals.toString(),
                "auth.reload.ms",
                "100",
                "write.buffer.low.bytes",
                "1024",
                "write.buffer.high.bytes",
                "2048");
        Node node = second;
        try (RawClient c = new RawClient(node.address())) {
            c.send(
                    FrameType.HELLO,
                    1,
                    b -> new HelloRequest("flood", DurabilityPolicy.MEMORY_1, Protocol.DEFAULT_MAX_FRAME_BYTES, WRITER)
                            .write(b));
            assertThat(c.read().type()).isEqualTo(FrameType.HELLO_OK);
            c.range("orders");
            // Publish without ever reading an answer, until the node stops reading this socket.
            java.util.concurrent.atomic.AtomicReference<Throwable> ended =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread flood = new Thread(
                    () -> {
                        try {
                            for (long seq = 0; seq < 10_000_000; seq++) {
                                c.publish((int) seq + 10, "orders", 77, seq, List.of("x".repeat(1_000)), null);
                            }
                        } catch (java.io.IOException e) {
                            ended.set(e);
                        }
                    },
                    "flood");
            flood.setDaemon(true);
            flood.start();
            // The node stopped reading this socket: its answers are stuck (no publish stored for
            // four polls in a row, a second and a half).
            long[] last = {-1};
            int[] still = {0};
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        var orders = node.agent().stats().stream("orders");
                        long now = orders == null ? 0 : orders.publishedMessages();
                        still[0] = now > 0 && now == last[0] ? still[0] + 1 : 0;
                        last[0] = now;
                        return still[0] >= 3;
                    });

            Files.writeString(
                    principals,
                    "principals:\n  - name: ops\n    token: \"" + ADMIN + "\"\n    admin: true\n",
                    StandardCharsets.UTF_8);
            // The error cannot leave behind the unread answers, but the node closes the connection.
            await().atMost(Duration.ofSeconds(30)).until(() -> ended.get() != null);
            flood.join(10_000);
        }
    }

    @Test
    void onePrincipalCannotTakeEveryConnection() throws Exception {
        Node limited = TestNodes.start(
                dir.resolve("limited"), "auth.file", principals.toString(), "max.connections.per.principal", "1");
        try (RawClient first = new RawClient(limited.address());
                RawClient second = new RawClient(limited.address());
                RawClient other = new RawClient(limited.address())) {
            // One after the other: the node may take two HELLOs on two connections in either order.
            for (RawClient c : new RawClient[] {first, second}) {
                c.send(
                        FrameType.HELLO,
                        1,
                        b -> new HelloRequest("raw", DurabilityPolicy.DISK_1, Protocol.DEFAULT_MAX_FRAME_BYTES, WRITER)
                                .write(b));
                if (c == first) {
                    assertThat(first.read().type()).isEqualTo(FrameType.HELLO_OK);
                }
            }
            RawClient.Frame refused = second.read();
            assertThat(refused.error().code()).isEqualTo(ErrorCode.BUSY);
            assertThat(refused.error().message()).contains("max.connections.per.principal");
            other.send(
                    FrameType.HELLO,
                    1,
                    b -> new HelloRequest("raw", DurabilityPolicy.DISK_1, Protocol.DEFAULT_MAX_FRAME_BYTES, READER)
                            .write(b));
            assertThat(other.read().type()).as("another principal is served").isEqualTo(FrameType.HELLO_OK);
            assertThat(limited.agent().stats().connectionsOverPrincipalLimit()).isEqualTo(1);
        } finally {
            limited.close();
        }
    }

    @Test
    void changingTheNodeOverHttpNeedsAnAdminsToken() throws Exception {
        String setLevel = "/admin/log-level?logger=io.scalesmall&level=INFO";
        assertThat(http("PUT", setLevel, null).statusCode()).isEqualTo(401);
        assertThat(http("PUT", setLevel, READER).statusCode()).isEqualTo(403);
        assertThat(http("PUT", setLevel, MONITOR).statusCode()).isEqualTo(403);
        assertThat(http("PUT", setLevel, ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    void readingTheNodeOverHttpNeedsAMonitorsOrAnAdminsTokenButProbesAndThePageDoNot() throws Exception {
        for (String path : List.of("/api/cluster", "/api/streams", "/api/overview", "/api/stats", "/metrics")) {
            HttpResponse<String> refused = http("GET", path, null);
            assertThat(refused.statusCode()).as(path).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            assertThat(refused.body()).as(path).doesNotContain(node.nodeId().toString());
            assertThat(http("GET", path, WRITER).statusCode()).as(path).isEqualTo(403);
            assertThat(http("GET", path, MONITOR).statusCode()).as(path).isEqualTo(200);
            assertThat(http("GET", path, ADMIN).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(http("GET", "/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(http("GET", "/health/live", null).statusCode()).isEqualTo(200);
        HttpResponse<String> page = http("GET", "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"login\"");
    }

    @Test
    void theDashboardGathersTheOtherMembersFiguresSignedAsAMemberNotWithTheCallersToken() throws Exception {
        Properties p = new Properties();
        p.setProperty("auth.file", principals.toString());
        p.setProperty("http.port", "0");
        p.setProperty("cluster.join", "127.0.0.1:" + node.cluster().port());
        second = Node.start(
                NodeConfig.defaults(dir.resolve("second"), "127.0.0.1", 0).with(p));
        ObjectMapper json = new ObjectMapper();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode members =
                    json.readTree(http("GET", "/api/overview", MONITOR).body()).get("members");
            assertThat(members).hasSize(2);
            for (JsonNode m : members) {
                // A member's own figures, asked from it with the monitor's token, not a refusal.
                assertThat(m.path("stats").has("error")).as(m.toString()).isFalse();
                assertThat(m.path("stats").path("disk").has("dataBytes"))
                        .as(m.toString())
                        .isTrue();
            }
        });
        // What a member is served is not served to anyone else: a forged or replayed signature.
        URI stats = URI.create("http://127.0.0.1:" + second.httpAddress().getPort() + "/api/stats");
        for (String forged : List.of(System.currentTimeMillis() + ":" + "00".repeat(32), "garbage", ":")) {
            assertThat(HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(stats)
                                            .header("X-ScaleSmall-Node-Signature", forged)
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as(forged)
                    .isEqualTo(401);
        }
    }

    /** A request to the admin endpoint with {@code token} as a bearer token (none when null). */
    private HttpResponse<String> http(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.httpAddress().getPort() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
