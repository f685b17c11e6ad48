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
 * The commands against a node that requires a credential: with --token-file, and without; and
 * against one that also requires TLS, as docs/SECURITY.md sets one up: with --tls-ca they work,
 * bench included; without TLS they cannot connect; trusting another CA they refuse the node.
 */
class CliAuthTest {
    private static final String TOKEN = "cli-token-0123456789abcdef";

    @TempDir
    Path dir;

    private Node node;
    private String server;
    private Path tokenFile;

    private Path principals;

    @BeforeEach
    void writeCredentials() throws Exception {
        principals = dir.resolve("principals.yaml");
        Files.writeString(
                principals,
                "principals:\n  - name: cli\n    token: \"" + TOKEN
                        + "\"\n    publish: [\"*\"]\n    consume: [\"*\"]\n",
                StandardCharsets.UTF_8);
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n", StandardCharsets.UTF_8);
    }

    /** Starts the node with the principals file and {@code settings}. */
    private void start(String... settings) throws Exception {
        Properties p = new Properties();
        p.setProperty("auth.file", principals.toString());
        for (int i = 0; i + 1 < settings.length; i += 2) {
            p.setProperty(settings[i], settings[i + 1]);
        }
        node = Node.start(
                NodeConfig.defaults(dir.resolve("data"), "127.0.0.1", 0).with(p));
        server = "127.0.0.1:" + node.address().getPort();
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** Runs the command line; returns [exit code, stdout + stderr]. */
    private Object[] run(String stdin, String... args) {
        return CommandRun.run(stdin, true, args);
    }

    @Test
    void aTokenMadeByTheTokenCommandAuthenticatesOnceItsPrincipalIsInTheFile() throws Exception {
        Path made = dir.resolve("maker.token");
        Object[] token = CommandRun.run(
                "", false, "token", "--name", "maker", "--out", made.toString(), "--publish", "audit-*,orders");
        assertThat(token[0]).as("%s", token[1]).isEqualTo(0);
        String principal = (String) token[1];
        assertThat(principal).contains("name: \"maker\"").contains("publish: [\"audit-*\", \"orders\"]");
        String secret = Files.readString(made, StandardCharsets.UTF_8).strip();
        assertThat(principal)
                .as("the principal names the token's hash, never the token")
                .doesNotContain(secret);
        assertThat(java.nio.file.Files.getPosixFilePermissions(made))
                .containsExactlyInAnyOrder(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        Object[] again = CommandRun.run("", true, "token", "--name", "maker", "--out", made.toString());
        assertThat(again[0]).as("a token file is never overwritten").isEqualTo(1);
        assertThat(Files.readString(made, StandardCharsets.UTF_8).strip()).isEqualTo(secret);

        Files.writeString(principals, "principals:\n" + principal, StandardCharsets.UTF_8);
        start();
        Object[] published =
                run("a\n", "publish", "--server", server, "--stream", "audit-1", "--token-file", made.toString());
        assertThat(published[0]).as("%s", published[1]).isEqualTo(0);
        Object[] refused =
                run("a\n", "publish", "--server", server, "--stream", "payments", "--token-file", made.toString());
        assertThat((String) refused[1]).contains("NOT_AUTHORIZED");
    }

    @Test
    void commandsAuthenticateWithTheirTokenFileAndWithoutOneAreRefused() throws Exception {
        start();
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

    @Test
    void commandsConnectWithTlsAndTheirTokenAndWithoutTlsCannot() throws Exception {
        TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
        Path cert = certs.issue("node");
        start(
                "tls.cert.file",
                cert.toString(),
                "tls.key.file",
                certs.key("node").toString(),
                "tls.ca.file",
                certs.ca().toString(),
                "tls.required",
                "true");
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
