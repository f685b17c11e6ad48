package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code scalesmall members} as a user runs it, against a node in this JVM. */
class MembersCommandTest {
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

    /** What a run printed and returned. */
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            System.out.flush();
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    @Test
    void jsonListsTheNodeAliveWithItsAddressesAndCapacity() throws Exception {
        Run r = run("members", "--server", server, "--json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out().strip());
        assertThat(root.fieldNames()).toIterable().containsExactly("members");
        assertThat(root.get("members").isArray()).isTrue();
        JsonNode self = null;
        for (JsonNode m : root.get("members")) {
            if (m.get("id").asText().equals(node.nodeId().toString())) {
                self = m;
            }
        }
        assertThat(self).as("the node's own entry in %s", r.out()).isNotNull();
        assertThat(self.get("status").asText()).isEqualTo("ALIVE");
        assertThat(self.get("clientAddress").asText()).isEqualTo(server);
        assertThat(self.get("incarnation").isIntegralNumber()).isTrue();
        assertThat(self.get("cores").asInt()).isPositive();
        for (String field : List.of("address", "sinceMs", "diskBytes", "memoryBytes", "zone")) {
            assertThat(self.has(field)).as(field).isTrue();
        }
    }

    @Test
    void formatJsonIsASynonymOfJson() throws Exception {
        Run r = run("members", "--server", server, "--format", "json");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out().strip()).get("members").size())
                .isPositive();
    }

    @Test
    void tablePrintsAHeaderAndOneRowPerMember() {
        Run r = run("members", "--server", server);

        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().strip().lines().toList();
        assertThat(lines.get(0).split("\\s+"))
                .containsExactly("ID", "ADDRESS", "CLIENT", "STATUS", "INCARNATION", "DISK", "MEMORY", "CORES", "ZONE");
        assertThat(lines)
                .anySatisfy(l -> assertThat(l)
                        .startsWith(node.nodeId().toString())
                        .contains(" " + server + " ")
                        .contains(" ALIVE "));
    }

    @Test
    void unreachableServerFailsWithExitCode1AndSaysWhichServer() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String unreachable = "127.0.0.1:" + closedPort;

        Run r = run("members", "--server", unreachable, "--json", "--timeout-ms", "1000");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("error: cannot get the member table from " + unreachable);
    }

    @Test
    void unknownFormatIsRefusedWithAClearError() {
        Run r = run("members", "--server", server, "--format", "yaml");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--format must be table or json");
    }

    @Test
    void sizesPrintInBinaryUnits() {
        assertThat(MembersCommand.humanBytes(0)).isEqualTo("0 B");
        assertThat(MembersCommand.humanBytes(1023)).isEqualTo("1023 B");
        assertThat(MembersCommand.humanBytes(1536)).isEqualTo("1.5 KiB");
        assertThat(MembersCommand.humanBytes(1L << 40)).isEqualTo("1.0 TiB");
        assertThat(MembersCommand.address("::1", 7070)).isEqualTo("[::1]:7070");
    }
}
