package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands against a node that requires a credential: with --token-file, and without. */
class CliAuthTest {
    private static final String TOKEN = "cli-token-0123456789abcdef";

    @TempDir
    Path dir;

    private Node node;
    private String server;
    private Path tokenFile;

    @BeforeEach
    void start() throws Exception {
        Path principals = dir.resolve("principals.yaml");
        Files.writeString(
                principals,
                "principals:\n  - name: cli\n    token: \"" + TOKEN
                        + "\"\n    publish: [\"*\"]\n    consume: [\"*\"]\n",
                StandardCharsets.UTF_8);
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n", StandardCharsets.UTF_8);
        Properties p = new Properties();
        p.setProperty("auth.file", principals.toString());
        node = Node.start(
                NodeConfig.defaults(dir.resolve("data"), "127.0.0.1", 0).with(p));
        server = "127.0.0.1:" + node.address().getPort();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** Runs the command line; returns [exit code, stdout + stderr]. */
    private Object[] run(String stdin, String... args) {
        return CommandRun.run(stdin, true, args);
    }

    @Test
    void commandsAuthenticateWithTheirTokenFileAndWithoutOneAreRefused() {
        Object[] refused = run("a\n", "publish", "--server", server, "--stream", "s");
        assertThat(refused[0]).isEqualTo(1);
        assertThat((String) refused[1]).contains("UNAUTHENTICATED");

        Object[] published =
                run("a\nb\n", "publish", "--server", server, "--stream", "s", "--token-file", tokenFile.toString());
        assertThat(published[0]).as("%s", published[1]).isEqualTo(0);
        assertThat((String) published[1]).contains("\"acked\":2");

        Object[] consumed = run(
                "", "consume", "--server", server, "--stream", "s", "--max", "2", "--token-file", tokenFile.toString());
        assertThat((String) consumed[1]).contains("a\nb\n").contains("\"consumed\":2");

        Object[] members = run("", "members", "--server", server, "--token-file", tokenFile.toString());
        assertThat(members[0]).isEqualTo(0);
        Object[] anonymous = run("", "members", "--server", server, "--timeout-ms", "2000");
        assertThat(anonymous[0]).isEqualTo(1);
        assertThat((String) anonymous[1]).contains("UNAUTHENTICATED");
    }
}
