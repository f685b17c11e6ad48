package io.scalesmall.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.FetchResult;
import io.scalesmall.client.From;
import io.scalesmall.client.PublishAck;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.client.ScaleSmallException;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.server.cluster.MemberStatus;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the client port and between nodes, with certificates a test CA issued for 127.0.0.1:
 * TLS clients are served, plaintext ones too unless TLS is required, a node that requires TLS
 * refuses plaintext clients and peers, clients check the node's certificate, mutual TLS refuses
 * clients without a certificate, and two nodes that require TLS replicate to each other over it.
 */
class TlsTest {
    @TempDir
    static Path certDir;

    @TempDir
    Path dir;

    private static TestCertificates certs;
    private static TestCertificates otherCa;
    private final List<Node> nodes = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(certDir.resolve("ca"));
        certs.issue("node");
        certs.issue("client");
        certs.issue("stranger");
        otherCa = TestCertificates.create(certDir.resolve("other"));
    }

    @AfterEach
    void stop() {
        nodes.forEach(Node::close);
    }

    private Node start(String name, String... settings) throws Exception {
        Properties p = new Properties();
        p.setProperty("tls.cert.file", certDir.resolve("ca/node.crt").toString());
        p.setProperty("tls.key.file", certs.key("node").toString());
        p.setProperty("tls.ca.file", certs.ca().toString());
        p.setProperty("cluster.probe.interval.ms", "200");
        p.setProperty("cluster.probe.timeout.ms", "100");
        p.setProperty("cluster.sync.interval.ms", "200");
        for (int i = 0; i + 1 < settings.length; i += 2) {
            p.setProperty(settings[i], settings[i + 1]);
        }
        if (!nodes.isEmpty()) {
            p.setProperty("cluster.join", "127.0.0.1:" + nodes.get(0).cluster().port());
        }
        Node node = Node.start(
                NodeConfig.defaults(dir.resolve(name), "127.0.0.1", 0).with(p));
        nodes.add(node);
        return node;
    }

    private static ClientConfig.Builder client(Node node) {
        return ClientConfig.builder()
                .servers("127.0.0.1:" + node.address().getPort())
                .requestTimeoutMs(3_000)
                .connectTimeoutMs(3_000)
                .deliveryTimeoutMs(6_000)
                .maxBlockMs(6_000);
    }

    private static PublishAck publish(ClientConfig config, String stream, String payload) throws Exception {
        try (ScaleSmallClient c = ScaleSmallClient.create(config)) {
            return c.publish(stream, null, payload.getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static Throwable failure(ClientConfig config) {
        try (ScaleSmallClient c = ScaleSmallClient.create(config)) {
            c.members().get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected the connection to fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Whether a plaintext socket that sends a HELLO frame's first bytes is closed without an answer. */
    private static boolean plaintextIsClosed(Node node) throws IOException {
        return plaintextIsClosed(node, new byte[] {0, 0, 0, 12, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 'x', 1, 0, 0, 0, 16});
    }

    /**
     * A whole PEER_HELLO frame as another node of the cluster would send it (signed under the
     * development cluster key, which the test nodes use), in plaintext.
     */
    private static byte[] plaintextPeerHello(io.scalesmall.protocol.NodeId to) {
        byte[] nonce = new byte[io.scalesmall.protocol.PeerHello.NONCE_BYTES];
        new java.util.Random(7).nextBytes(nonce);
        io.scalesmall.protocol.NodeId peer = new io.scalesmall.protocol.NodeId(77, 78);
        long now = System.currentTimeMillis();
        io.netty.buffer.ByteBuf signed = io.netty.buffer.Unpooled.buffer();
        io.scalesmall.protocol.PeerHello.writeSigned(signed, peer, to, now, nonce);
        int length = signed.readableBytes();
        io.scalesmall.server.cluster.net.ClusterKeys.devDefault().sign(signed, 0, length, signed);
        byte[] mac = new byte[io.scalesmall.protocol.PeerHello.MAC_BYTES];
        signed.getBytes(length, mac);
        io.netty.buffer.ByteBuf frame = io.netty.buffer.Unpooled.buffer();
        int start = io.scalesmall.protocol.FrameHeader.begin(frame, io.scalesmall.protocol.FrameType.PEER_HELLO, 1);
        new io.scalesmall.protocol.PeerHello(peer, to, now, nonce, mac).write(frame);
        io.scalesmall.protocol.FrameHeader.finish(frame, start);
        return io.netty.buffer.ByteBufUtil.getBytes(frame);
    }

    /** Whether a plaintext socket that sends {@code bytes} is closed without an answer. */
    private static boolean plaintextIsClosed(Node node, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.address().getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(bytes);
            try {
                new DataInputStream(s.getInputStream()).readInt();
                return false;
            } catch (java.io.EOFException | java.net.SocketException e) {
                return true;
            }
        }
    }

    @Test
    void aTlsClientIsServedAndAPlaintextOneTooUnlessTlsIsRequired() throws Exception {
        Node node = start("optional");
        ClientConfig tls = client(node).tls(certs.ca()).build();
        assertThat(publish(tls, "s", "over tls").duplicate()).isFalse();
        assertThat(publish(client(node).build(), "s", "in plaintext").duplicate())
                .isFalse();
        try (ScaleSmallClient c = ScaleSmallClient.create(tls)) {
            FetchResult read = c.fetch("s", From.beginning(), 1 << 20).get(30, TimeUnit.SECONDS);
            assertThat(read.messages())
                    .extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("over tls", "in plaintext");
        }
    }

    @Test
    void aNodeThatRequiresTlsRefusesPlaintextClientsAndPeers() throws Exception {
        Node node = start("required", "tls.required", "true");
        assertThat(plaintextIsClosed(node)).isTrue();
        assertThat(plaintextIsClosed(node, plaintextPeerHello(node.nodeId())))
                .as("a valid peer hello, in plaintext")
                .isTrue();
        assertThat(failure(client(node).build()))
                .isInstanceOf(ScaleSmallException.class)
                .hasMessageContaining("no connection within");
        assertThat(publish(client(node).tls(certs.ca()).build(), "s", "tls only")
                        .duplicate())
                .isFalse();
        assertThat(node.agent().catalog().streams()).hasSize(1);
    }

    @Test
    void aClientRefusesANodeWhoseCertificateItCannotVerify() throws Exception {
        Node node = start("verified");
        assertThat(failure(client(node).tls(otherCa.ca()).build()))
                .isInstanceOf(ScaleSmallException.class)
                .hasMessageContaining("no connection within");
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificate() throws Exception {
        Node node = start("mutual", "tls.required", "true", "tls.client.auth", "require");
        assertThat(failure(client(node).tls(certs.ca()).build())).isInstanceOf(ScaleSmallException.class);
        ClientConfig withCertificate = client(node)
                .tls(certs.ca())
                .tlsClientCertificate(certDir.resolve("ca/client.crt"), certs.key("client"))
                .build();
        assertThat(publish(withCertificate, "s", "mutual").duplicate()).isFalse();
    }

    @Test
    void aClientCertificateAuthenticatesThePrincipalItsSubjectNames() throws Exception {
        Path principals = dir.resolve("principals.yaml");
        java.nio.file.Files.writeString(principals, """
                principals:
                  - name: billing
                    certificateSubject: "CN=client"
                    publish: ["orders"]
                """, StandardCharsets.UTF_8);
        Node node = start(
                "identities", "tls.required", "true", "tls.client.auth", "require", "auth.file", principals.toString());
        ClientConfig billing = client(node)
                .tls(certs.ca())
                .tlsClientCertificate(certDir.resolve("ca/client.crt"), certs.key("client"))
                .build();
        assertThat(publish(billing, "orders", "by certificate").duplicate()).isFalse();
        try (ScaleSmallClient c = ScaleSmallClient.create(billing)) {
            assertThatThrownBy(() -> c.publish("payments", null, new byte[] {1}).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ScaleSmallException.class)
                    .satisfies(e -> assertThat(((ScaleSmallException) e.getCause()).code())
                            .isEqualTo(ErrorCode.NOT_AUTHORIZED));
        }
        ClientConfig stranger = client(node)
                .tls(certs.ca())
                .tlsClientCertificate(certDir.resolve("ca/stranger.crt"), certs.key("stranger"))
                .build();
        Throwable refused = failure(stranger);
        assertThat(refused).isInstanceOf(ScaleSmallException.class);
        assertThat(((ScaleSmallException) refused).code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(refused.getMessage()).contains("CN=stranger");
    }

    @Test
    void settingsThatWouldLetAnyCertificateOrPlaintextThroughAreRefusedAtStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start("no-ca", "tls.ca.file", ""))
                .hasMessageContaining("TLS needs tls.ca.file");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start("half", "tls.client.auth", "require"))
                .hasMessageContaining("tls.client.auth=require needs tls.required=true");
    }

    @Test
    void theAdminEndpointOfANodeThatRequiresTlsServesHttpsAndGathersTheMembersOverIt() throws Exception {
        Node first = start("admin-1", "tls.required", "true", "http.port", "0");
        start("admin-2", "tls.required", "true", "http.port", "0");
        java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder()
                .sslContext(io.scalesmall.server.api.TlsConfig.httpsTrusting(certs.ca()))
                .build();
        String base = "127.0.0.1:" + first.httpAddress().getPort();
        java.net.http.HttpResponse<String> ready = https.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://" + base + "/health/live"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create("http://" + base + "/health/live"))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString()))
                .as("plain HTTP to a node that requires TLS")
                .isInstanceOf(IOException.class);
        // The dashboard's document: each member's own figures, asked over HTTPS.
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var overview = json.readTree(https.send(
                            java.net.http.HttpRequest.newBuilder(
                                            java.net.URI.create("https://" + base + "/api/overview"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body());
            assertThat(overview.get("members")).hasSize(2);
            for (var m : overview.get("members")) {
                assertThat(m.path("stats").has("error")).as(m.toString()).isFalse();
                assertThat(m.path("stats").path("ready").asBoolean())
                        .as(m.toString())
                        .isTrue();
            }
        });
    }

    @Test
    void nodesThatRequireTlsReplicateToEachOtherOverIt() throws Exception {
        Node first = start("a", "tls.required", "true", "tls.client.auth", "require");
        Node second = start("b", "tls.required", "true", "tls.client.auth", "require");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> first.cluster().members().stream()
                                .filter(m -> m.status() == MemberStatus.ALIVE)
                                .count()
                        == 2);
        ClientConfig config = client(first)
                .tls(certs.ca())
                .tlsClientCertificate(certDir.resolve("ca/client.crt"), certs.key("client"))
                .durability(DurabilityPolicy.parse("disk=2"))
                .build();
        try (ScaleSmallClient c = ScaleSmallClient.create(config)) {
            c.createStream("replicated", new io.scalesmall.protocol.StreamOptions(2, -1, -1))
                    .get(30, TimeUnit.SECONDS);
            // disk=2 with two replicas: acknowledged only once both fsynced it, so the copy went
            // from one node to the other over TLS.
            c.publish("replicated", null, "twice".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
        }
        for (Node n : List.of(first, second)) {
            assertThat(n.agent().rangeKeys())
                    .allSatisfy(key -> assertThat(n.agent()
                                    .openLog(key.stream(), key.rangeId())
                                    .batchCount())
                            .isPositive());
        }
        assertThat(second.agent().stats().refusedCount(ErrorCode.HELLO_REQUIRED))
                .isZero();
    }
}
