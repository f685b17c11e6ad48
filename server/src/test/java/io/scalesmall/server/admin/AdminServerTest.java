package io.scalesmall.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Properties;
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
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + node.httpAddress().getPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
        return response.body();
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
