package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import io.scalesmall.server.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands against a node that requires TLS and a credential, as docs/SECURITY.md sets one up:
 * with {@code --tls-ca} and {@code --token-file} they work, bench included; without TLS they cannot
 * connect; trusting another CA they refuse the node.
 */
class CliTlsTest {
    private static final String TOKEN = "cli-tls-token-0123456789";

    @TempDir
    Path dir;

    private Node node;
    private String server;
    private Path tokenFile;
    private TestCertificates certs;

    @BeforeEach
    void start() throws Exception {
        certs = TestCertificates.create(dir.resolve("certs"));
        Path cert = certs.issue("node");
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
        p.setProperty("tls.cert.file", cert.toString());
        p.setProperty("tls.key.file", certs.key("node").toString());
        p.setProperty("tls.ca.file", certs.ca().toString());
        p.setProperty("tls.required", "true");
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
    void commandsConnectWithTlsAndTheirTokenAndWithoutTlsCannot() throws Exception {
        String ca = certs.ca().toString();
        String token = tokenFile.toString();
        Object[] published =
                run("a\nb\n", "publish", "--server", server, "--stream", "s", "--tls-ca", ca, "--token-file", token);
        assertThat(published[0]).as("%s", published[1]).isEqualTo(0);
        assertThat((String) published[1]).contains("\"acked\":2");

        Object[] consumed = run(
                "",
                "consume",
                "--server",
                server,
                "--stream",
                "s",
                "--max",
                "2",
                "--tls-ca",
                ca,
                "--token-file",
                token);
        assertThat((String) consumed[1]).contains("a\nb\n").contains("\"consumed\":2");

        Object[] bench = run(
                "",
                "bench",
                "--server",
                server,
                "--messages",
                "2000",
                "--warmup",
                "0",
                "--durability",
                "memory=1",
                "--tls-ca",
                ca,
                "--token-file",
                token);
        assertThat(bench[0]).as("%s", bench[1]).isEqualTo(0);
        assertThat((String) bench[1]).contains("\"messages\":2000").contains("\"consumed\":2000");

        Object[] plaintext = run("", "members", "--server", server, "--token-file", token, "--timeout-ms", "2000");
        assertThat(plaintext[0]).isEqualTo(1);
        assertThat((String) plaintext[1]).contains("no connection");

        TestCertificates other = TestCertificates.create(dir.resolve("other"));
        Object[] untrusted = run(
                "",
                "members",
                "--server",
                server,
                "--tls-ca",
                other.ca().toString(),
                "--token-file",
                token,
                "--timeout-ms",
                "2000");
        assertThat(untrusted[0]).isEqualTo(1);
        assertThat((String) untrusted[1]).contains("no connection");
    }
}
