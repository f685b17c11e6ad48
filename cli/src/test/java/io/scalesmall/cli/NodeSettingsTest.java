package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scalesmall.server.NodeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NodeSettingsTest {
    @TempDir
    Path dir;

    private NodeConfig settings(Map<String, String> env, String... args) throws Exception {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings(env);
    }

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aYamlFileSetsNestedOrDottedKeysAndListsAreJoined() throws Exception {
        Path yaml = file("node.yaml", """
                port: 9000
                segment:
                  bytes: 64MB
                cluster:
                  join: ["10.0.0.1:7072", "10.0.0.2:7072"]
                  probe.interval.ms: 700
                split.max.ranges: 16
                """);

        NodeConfig cfg = settings(Map.of(), "--data", dir.toString(), "--config", yaml.toString());

        assertThat(cfg.api().port()).isEqualTo(9000);
        assertThat(cfg.agent().storage().segmentBytes()).isEqualTo(64 << 20);
        assertThat(cfg.cluster().seeds()).hasSize(2);
        assertThat(cfg.cluster().protocol().probeIntervalMs()).isEqualTo(700);
        assertThat(cfg.split().maxRangesPerStream()).isEqualTo(16);
    }

    @Test
    void flagsWinOverEnvironmentVariablesWhichWinOverTheFile() throws Exception {
        Path props = file("node.properties", "port=9000\nhttp.port=9001\nsegment.bytes=1MB\n");
        Map<String, String> env = Map.of(
                "SCALESMALL_PORT", "9100",
                "SCALESMALL_SEGMENT_BYTES", "2MB",
                "SCALESMALL_JAVA_OPTS", "-Xmx1g",
                "SCALESMALL_TOKEN", "a client's credential, no node setting",
                "PATH", "/usr/bin");

        NodeConfig fromEnv = settings(env, "--data", dir.toString(), "--config", props.toString());
        NodeConfig fromFlag = settings(env, "--data", dir.toString(), "--config", props.toString(), "--port", "9200");

        assertThat(fromEnv.api().port()).isEqualTo(9100);
        assertThat(fromEnv.agent().storage().segmentBytes()).isEqualTo(2 << 20);
        assertThat(fromEnv.httpPort()).as("a file setting no flag overrides").isEqualTo(9001);
        assertThat(fromFlag.api().port()).isEqualTo(9200);
    }

    @Test
    void unknownKeysAndBadValuesAreRefusedNamingTheKey() throws Exception {
        Path unknown = file("unknown.yaml", "segment:\n  byte: 1MB\n");
        assertThatThrownBy(() -> settings(Map.of(), "--data", dir.toString(), "--config", unknown.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown setting 'segment.byte'");
        assertThatThrownBy(() -> settings(Map.of("SCALESMALL_SEGMENT_BYTE", "1MB"), "--data", dir.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SCALESMALL_SEGMENT_BYTE");
        assertThatThrownBy(() -> settings(Map.of("SCALESMALL_SEGMENT_BYTES", "lots"), "--data", dir.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad value for segment.bytes: 'lots'");
        Path negative = file("negative.yaml", "split:\n  window:\n    ms: -5\n");
        assertThatThrownBy(() -> settings(Map.of(), "--data", dir.toString(), "--config", negative.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("split.window.ms");
        Path watermark = file("watermark.properties", "retention.high.watermark=most\n");
        assertThatThrownBy(() -> settings(Map.of(), "--data", dir.toString(), "--config", watermark.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad value for retention.high.watermark");
    }

    @Test
    void variablesKubernetesSetsForAServiceNamedScalesmallAreNoSettings() throws Exception {
        Map<String, String> env = Map.of(
                "SCALESMALL_PORT", "tcp://10.0.0.9:7070",
                "SCALESMALL_SERVICE_HOST", "10.0.0.9",
                "SCALESMALL_SERVICE_PORT", "7070",
                "SCALESMALL_PORT_7070_TCP_ADDR", "10.0.0.9");

        NodeConfig cfg = settings(env, "--data", dir.toString());

        assertThat(cfg.api().port()).isEqualTo(7070);
    }

    @Test
    void aYamlListMustHoldPlainValuesAndYesOrNoStayWords() throws Exception {
        Path maps = file("maps.yaml", "cluster:\n  join:\n    - host: a\n      port: 7072\n");
        assertThatThrownBy(() -> settings(Map.of(), "--data", dir.toString(), "--config", maps.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster.join");
        Path zone = file("zone.yaml", "zone: no\n");
        assertThat(settings(Map.of(), "--data", dir.toString(), "--config", zone.toString())
                        .cluster()
                        .zone())
                .isEqualTo("no");
    }

    @Test
    void theNodeCommandStopsAtOnceWithTheErrorNamingTheKey() throws Exception {
        Path bad = file("bad.yaml", "port: seventy\n");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));

        int code = cl.execute("node", "--data", dir.resolve("data").toString(), "--config", bad.toString());

        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("error: bad value for port: 'seventy'");
    }
}
