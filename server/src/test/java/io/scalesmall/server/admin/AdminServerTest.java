package io.scalesmall.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.ScaleSmallClient;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {
    @TempDir
    Path dir;

    private Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private String get(String path) throws Exception {
        return get(path, 200);
    }

    private String get(String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + node.httpAddress().getPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s", path).isEqualTo(expectedStatus);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith(contentType(path)));
        return response.body();
    }

    private static String contentType(String path) {
        if (path.equals("/metrics")) {
            return "text/plain";
        }
        if (path.equals("/")) {
            return "text/html";
        }
        if (path.endsWith(".js")) {
            return "text/javascript";
        }
        return path.endsWith(".css") ? "text/css" : "application/json";
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonNode getJson(String path, int expectedStatus) throws Exception {
        return JSON.readTree(get(path, expectedStatus));
    }

    private Node startNode(Properties p) throws Exception {
        p.setProperty("http.port", "0");
        return Node.start(NodeConfig.defaults(dir, "127.0.0.1", 0).with(p));
    }

    @Test
    void theApiDescribesTheClusterThisNodeAndItsStreams() throws Exception {
        node = startNode(new Properties());
        try (ScaleSmallClient client = ScaleSmallClient.create(ClientConfig.builder()
                .servers("127.0.0.1:" + node.address().getPort())
                .build())) {
            client.publish("orders", "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
        }
        String id = node.nodeId().toString();

        assertThat(getJson("/health/live", 200).get("live").asBoolean()).isTrue();
        JsonNode ready = getJson("/health/ready", 200);
        assertThat(ready.get("ready").asBoolean()).isTrue();
        assertThat(ready.get("node").asText()).isEqualTo(id);

        JsonNode cluster = getJson("/api/cluster", 200);
        assertThat(cluster.get("members")).hasSize(1);
        JsonNode self = cluster.get("members").get(0);
        assertThat(self.get("id").asText()).isEqualTo(id);
        assertThat(self.get("status").asText()).isEqualTo("ALIVE");
        assertThat(self.get("clientAddress").asText())
                .isEqualTo("127.0.0.1:" + node.address().getPort());
        assertThat(self.get("diskBytes").asLong()).isPositive();

        JsonNode me = getJson("/api/nodes/" + id.substring(0, 8), 200);
        assertThat(me.get("self").asBoolean()).isTrue();
        assertThat(me.get("ready").asBoolean()).isTrue();
        assertThat(me.get("ranges")).singleElement().satisfies(r -> {
            assertThat(r.get("stream").asText()).isEqualTo("orders");
            assertThat(r.get("localBatches").asLong()).isEqualTo(1);
        });

        JsonNode streams = getJson("/api/streams", 200).get("streams");
        assertThat(streams).singleElement().satisfies(s -> {
            assertThat(s.get("name").asText()).isEqualTo("orders");
            assertThat(s.get("ranges")).singleElement().satisfies(r -> {
                assertThat(r.get("current").asBoolean()).isTrue();
                assertThat(r.get("firstHash").asLong()).isZero();
                assertThat(r.get("lastHash").asLong()).isEqualTo(0xFFFFFFFFL);
                assertThat(r.get("localBatches").asLong()).isEqualTo(1);
                assertThat(r.get("batches").asLong()).isEqualTo(1);
                assertThat(r.get("underReplicatedBatches").asLong()).isZero();
                assertThat(r.get("replicas")).singleElement().satisfies(replica -> {
                    assertThat(replica.get("id").asText()).isEqualTo(id);
                    assertThat(replica.get("status").asText()).isEqualTo("ALIVE");
                    assertThat(replica.get("batches").asLong()).isEqualTo(1);
                });
            });
            assertThat(s.get("publishedMessages").asLong()).isEqualTo(1);
            assertThat(s.get("sizeBytes").asLong()).isPositive();
        });
        assertThat(getJson("/api/streams/orders", 200).get("name").asText()).isEqualTo("orders");
        assertThat(getJson("/api/streams/nope", 404).get("error").asText()).contains("/api/streams/nope");
        assertThat(getJson("/api/nodes/ffffffffffff", 404).get("error").asText())
                .contains("not found");

        JsonNode stats = getJson("/api/stats", 200);
        assertThat(stats.get("node").asText()).isEqualTo(id);
        assertThat(stats.get("streams").get("orders").get("publishedMessages").asLong())
                .isEqualTo(1);
        assertThat(stats.get("disk").get("totalBytes").asLong()).isPositive();
        assertThat(stats.get("memory").get("tailBudgetBytes").asLong()).isPositive();
        assertThat(stats.get("ranges"))
                .singleElement()
                .satisfies(r -> assertThat(r.get("batches").asLong()).isEqualTo(1));

        // The dashboard's document: the members with their figures, the traffic by second.
        JsonNode overview = getJson("/api/overview", 200);
        assertThat(overview.get("members")).singleElement().satisfies(m -> {
            assertThat(m.get("id").asText()).isEqualTo(id);
            assertThat(m.get("stats").get("ready").asBoolean()).isTrue();
        });
        assertThat(overview.get("streams"))
                .singleElement()
                .satisfies(s -> assertThat(s.get("name").asText()).isEqualTo("orders"));
        // The traffic series as parallel lists (their samples: TrafficHistoryTest).
        JsonNode traffic = overview.get("traffic");
        for (String field : TrafficHistory.FIELDS) {
            assertThat(traffic.get(field).size())
                    .as(field)
                    .isEqualTo(traffic.get("t").size());
        }
    }

    @Test
    void theDashboardIsServedFromTheJar() throws Exception {
        node = startNode(new Properties());

        String page = get("/");
        assertThat(page).contains("<title>ScaleSmall</title>", "dashboard.js", "id=\"members\"");
        assertThat(get("/dashboard.js")).contains("api/overview");
        assertThat(get("/dashboard.css")).contains("#throughput-chart");
    }

    /** One sample line of the Prometheus text format 0.0.4: name, optional labels, value, optional timestamp. */
    private static final java.util.regex.Pattern SAMPLE = java.util.regex.Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\",?)*\\})?"
                    + " ([-+]?([0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?|\\.[0-9]+([eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");

    private static final java.util.regex.Pattern TYPE = java.util.regex.Pattern.compile(
            "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");

    @Test
    void metricsAreValidPrometheusTextWithTheDocumentedFamilies() throws Exception {
        node = startNode(new Properties());
        try (ScaleSmallClient client = ScaleSmallClient.create(ClientConfig.builder()
                .servers("127.0.0.1:" + node.address().getPort())
                .build())) {
            client.publish("metered", null, "v".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
        }

        String text = get("/metrics");

        java.util.Map<String, String> types = new java.util.HashMap<>();
        java.util.Map<String, Double> samples = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            java.util.regex.Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                types.put(type.group(1), type.group(2));
                continue;
            }
            java.util.regex.Matcher sample = SAMPLE.matcher(line);
            assertThat(sample.matches()).as("a valid sample line: %s", line).isTrue();
            String name = sample.group(1);
            String family = types.keySet().stream()
                    .filter(t -> name.equals(t) || name.startsWith(t + "_"))
                    .findFirst()
                    .orElse(null);
            assertThat(family).as("a TYPE line before %s", line).isNotNull();
            samples.put(name + (sample.group(2) == null ? "" : sample.group(2)), Double.parseDouble(sample.group(5)));
        }
        assertThat(types)
                .containsEntry("scalesmall_range_appended_bytes_total", "counter")
                .containsEntry("scalesmall_ranges", "gauge")
                .containsEntry("scalesmall_volume_bytes", "gauge")
                .containsEntry("scalesmall_ready", "gauge")
                .containsEntry("scalesmall_cluster_messages_total", "counter")
                .containsEntry("scalesmall_stream_messages_total", "counter")
                .containsEntry("scalesmall_publish_ack_latency_seconds", "histogram")
                .containsEntry("scalesmall_fsync_latency_seconds", "histogram")
                .containsEntry("scalesmall_inflight_publishes", "gauge")
                .containsEntry("scalesmall_memory_tail_bytes", "gauge")
                .containsEntry("scalesmall_repair_backlog_batches", "gauge");
        assertThat(samples.get("scalesmall_stream_messages_total{direction=\"published\",stream=\"metered\"}"))
                .isEqualTo(1.0);
        assertThat(samples.get("scalesmall_publish_ack_latency_seconds_count{policy=\"disk=1\"}"))
                .isEqualTo(1.0);
        assertThat(samples.get("scalesmall_fsync_latency_seconds_count")).isPositive();
        assertThat(samples.get("scalesmall_ready")).isEqualTo(1.0);
        assertThat(samples.get("scalesmall_ranges{state=\"current\"}")).isEqualTo(1.0);
        assertThat(samples.entrySet()).anySatisfy(e -> {
            assertThat(e.getKey())
                    .startsWith("scalesmall_range_appended_bytes_total{")
                    .contains("stream=\"metered\"");
            assertThat(e.getValue()).isPositive();
        });
        assertThat(samples.get("scalesmall_volume_bytes{kind=\"total\"}")).isPositive();
    }

    @Test
    void aNodeWhoseSeedsDoNotAnswerIsLiveButNotReady() throws Exception {
        Properties p = new Properties();
        p.setProperty("cluster.join", "127.0.0.1:" + freeUdpPort());
        node = startNode(p);

        assertThat(getJson("/health/live", 200).get("live").asBoolean()).isTrue();
        JsonNode ready = getJson("/health/ready", 503);
        assertThat(ready.get("ready").asBoolean()).isFalse();
        assertThat(ready.get("reason").asText()).contains("joining the cluster");
    }

    @Test
    void logLevelsChangeAtRunTime() throws Exception {
        node = startNode(new Properties());
        try {
            JsonNode set =
                    JSON.readTree(put("/admin/log-level?logger=io.scalesmall.server.replication&level=DEBUG", 200));
            assertThat(set.get("logger").asText()).isEqualTo("io.scalesmall.server.replication");
            assertThat(set.get("level").asText()).isEqualTo("FINE");
            assertThat(java.util.logging.Logger.getLogger("io.scalesmall.server.replication")
                            .isLoggable(java.util.logging.Level.FINE))
                    .isTrue();
            assertThat(getJson("/admin/log-level", 200)
                            .get("levels")
                            .get("io.scalesmall.server.replication")
                            .asText())
                    .isEqualTo("FINE");

            JsonNode refused = JSON.readTree(put("/admin/log-level?level=LOUD", 400));
            assertThat(refused.get("error").asText()).contains("unknown log level 'LOUD'");
            // A query that does not decode is answered, not dropped; a read-only path refuses PUT.
            assertThat(raw("PUT /admin/log-level?level=%zz"))
                    .startsWith("HTTP/1.1 400 Bad Request")
                    .contains("\"error\":\"bad request");
            assertThat(JSON.readTree(put("/api/cluster", 405)).get("error").asText())
                    .isEqualTo("use GET");
            assertThat(get("/health/live")).contains("true");
        } finally {
            put("/admin/log-level?logger=io.scalesmall.server.replication&level=INFO", 200);
        }
    }

    /** Sends a request line as is (the JDK client refuses malformed URIs); returns the whole answer. */
    private String raw(String requestLine) throws Exception {
        try (java.net.Socket socket =
                new java.net.Socket("127.0.0.1", node.httpAddress().getPort())) {
            socket.getOutputStream()
                    .write((requestLine + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private String put(String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + node.httpAddress().getPort() + path))
                                .PUT(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("PUT %s", path).isEqualTo(expectedStatus);
        return response.body();
    }

    private static int freeUdpPort() throws Exception {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void metricsShowTheClusterPlane() throws Exception {
        Properties p = new Properties();
        p.setProperty("http.port", "0");
        node = Node.start(NodeConfig.defaults(dir, "127.0.0.1", 0).with(p));

        String metrics = get("/metrics");

        assertThat(metrics)
                .contains("scalesmall_cluster_members{status=\"ALIVE\"} 1")
                .contains("scalesmall_cluster_members{status=\"DEAD\"} 0")
                .contains("scalesmall_cluster_local_health 0")
                .contains("scalesmall_cluster_messages_total{direction=\"rejected\"} 0");
        assertThat(get("/health")).contains("ok");
    }
}
