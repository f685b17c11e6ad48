package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publish and consume commands as a user runs them, against a node in this JVM. */
class CliTest {
    @TempDir
    Path dir;

    private Node node;
    private String server;

    @BeforeEach
    void start() throws Exception {
        node = Node.start(NodeConfig.defaults(dir, "127.0.0.1", 0));
        server = "127.0.0.1:" + node.address().getPort();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** Runs the command line; returns [exit code, stdout]. */
    private Object[] run(String stdin, String... args) {
        return CommandRun.run(stdin, false, args);
    }

    @Test
    void healthSaysHealthyUnreachableOrNotWithItsExitStatus() throws Exception {
        Object[] healthy = run("", "health", "--server", server);
        assertThat(healthy[0]).isEqualTo(0);
        assertThat((String) healthy[1]).startsWith("healthy: members 1 ALIVE; 0 under-replicated batches");

        Object[] json = run("", "health", "--server", server, "--format", "json", "--exit-when-healthy");
        assertThat(json[0]).isEqualTo(0);
        JsonNode report = lastLine((String) json[1]);
        assertThat(report.get("healthy").asBoolean()).isTrue();
        assertThat(report.get("members").get("ALIVE").asInt()).isEqualTo(1);

        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Object[] unreachable = run("", "health", "--server", "127.0.0.1:" + closed, "--timeout-ms", "500");
        assertThat(unreachable[0]).isEqualTo(3);
        assertThat((String) unreachable[1]).startsWith("unreachable: ");
    }

    private static JsonNode lastLine(String out) throws Exception {
        List<String> lines = Arrays.asList(out.strip().split("\n"));
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }

    private static List<String> bodyLines(String out) {
        List<String> lines = Arrays.asList(out.strip().split("\n"));
        return lines.subList(0, lines.size() - 1);
    }

    @Test
    void publishFromStdinThenConsumeFromBeginningPrintsEveryLineAndACursor() throws Exception {
        Object[] pub = run("alpha\nbeta\ngamma\n", "publish", "--server", server, "--stream", "cli", "--key", "k");
        assertThat(pub[0]).isEqualTo(0);
        JsonNode summary = lastLine((String) pub[1]);
        assertThat(summary.get("acked").asLong()).isEqualTo(3);
        assertThat(summary.get("failed").asLong()).isZero();

        Object[] con = run("", "consume", "--server", server, "--stream", "cli", "--from", "beginning", "--max", "2");
        assertThat(con[0]).isEqualTo(0);
        assertThat(bodyLines((String) con[1])).containsExactly("alpha", "beta");
        JsonNode done = lastLine((String) con[1]);
        assertThat(done.get("consumed").asLong()).isEqualTo(2);
        String cursor = done.get("cursor").asText();

        // The saved cursor is one message behind (the third of the batch that holds all three).
        Object[] lag = run("", "lag", "--server", server, "--stream", "cli", "--cursor", cursor, "--format", "json");
        assertThat(lag[0]).isEqualTo(0);
        JsonNode behind = lastLine((String) lag[1]);
        assertThat(behind.get("messages").asLong()).isEqualTo(1);
        assertThat(behind.get("timeBehindMs").asLong()).isNotNegative();
        Object[] table = run("", "lag", "--server", server, "--stream", "cli", "--cursor", cursor);
        assertThat((String) table[1]).contains("cli: 1 messages behind in 1 batches; the oldest unread was stored");
        Object[] none = run("", "lag", "--server", server, "--stream", "cli", "--cursor", "end");
        assertThat((String) none[1]).contains("cli: 0 messages behind in 0 batches; caught up");

        Object[] rest = run(
                "", "consume", "--server", server, "--stream", "cli", "--from", cursor, "--idle-timeout-ms", "1000");
        assertThat(bodyLines((String) rest[1])).containsExactly("gamma");
        assertThat(lastLine((String) rest[1]).get("consumed").asLong()).isEqualTo(1);
    }

    @Test
    void publishGeneratedMessagesWithMemoryPolicyAndConsumeQuietly() throws Exception {
        Object[] pub = run(
                "",
                "publish",
                "--server",
                server,
                "--stream",
                "gen",
                "--count",
                "5000",
                "--size",
                "100",
                "--durability",
                "memory=1");
        assertThat(pub[0]).isEqualTo(0);
        assertThat(lastLine((String) pub[1]).get("acked").asLong()).isEqualTo(5000);

        Object[] con =
                run("", "consume", "--server", server, "--stream", "gen", "--quiet", "--idle-timeout-ms", "1000");
        assertThat(((String) con[1]).strip().split("\n")).hasSize(1);
        assertThat(lastLine((String) con[1]).get("consumed").asLong()).isEqualTo(5000);
    }

    @Test
    void publishWithAPolicyTheNodeCannotHoldFailsWithExitCode1() throws Exception {
        Object[] pub = run("x\n", "publish", "--server", server, "--stream", "s", "--durability", "disk=2");
        assertThat(pub[0]).isEqualTo(1);
        JsonNode summary = lastLine((String) pub[1]);
        assertThat(summary.get("failed").asLong()).isEqualTo(1);
        assertThat(summary.get("error").asText()).contains("disk=2");
    }

    @Test
    void invalidDurabilitySpecIsRefusedWithAClearError() {
        Object[] pub = run("x\n", "publish", "--server", server, "--stream", "s", "--durability", "disk=lots");
        assertThat(pub[0]).isNotEqualTo(0);
    }

    @Test
    void consumeFromEndSeesOnlyNewMessages() throws Exception {
        run("old\n", "publish", "--server", server, "--stream", "tail");
        Object[] con =
                run("", "consume", "--server", server, "--stream", "tail", "--from", "end", "--idle-timeout-ms", "500");
        assertThat(lastLine((String) con[1]).get("consumed").asLong()).isZero();
    }

    @Test
    void streamsListsEachStreamWithItsRangesReplicasAndSizes() throws Exception {
        run("", "publish", "--server", server, "--stream", "listed", "--count", "2000", "--size", "100");

        Object[] listed = run("", "streams", "--server", server, "--json");
        assertThat(listed[0]).isEqualTo(0);
        JsonNode stream = lastLine((String) listed[1]).get("streams").get(0);
        assertThat(stream.get("name").asText()).isEqualTo("listed");
        assertThat(stream.get("batches").asLong()).isPositive();
        assertThat(stream.get("sizeBytes").asLong()).isPositive();
        assertThat(stream.get("underReplicatedBatches").asLong()).isZero();
        long rangeBatches = 0;
        for (JsonNode range : stream.get("ranges")) {
            assertThat(range.get("replicas")).hasSize(1);
            assertThat(range.get("replicas").get(0).get("id").asText())
                    .isEqualTo(node.nodeId().toString());
            rangeBatches += range.get("batches").asLong();
        }
        assertThat(rangeBatches).isEqualTo(stream.get("batches").asLong());

        Object[] table = run("", "streams", "--server", server);
        assertThat((String) table[1]).startsWith("STREAM").contains("listed", "current");

        Object[] unknown = run("", "streams", "--server", server, "nope");
        assertThat(unknown[0]).isEqualTo(1);
    }
}
