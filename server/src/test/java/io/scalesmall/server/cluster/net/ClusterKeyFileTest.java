package io.scalesmall.server.cluster.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.WatchedFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster key file as a node re-reads it: keys rotate without a restart, a bad file changes nothing. */
class ClusterKeyFileTest {
    private static final String OLD = "an-old-cluster-key-0123456789";
    private static final String NEW = "a-new-cluster-key-9876543210";

    @TempDir
    Path dir;

    private static WatchedFile<ClusterKeys> watcher(Path file) {
        return new WatchedFile<>(file, OLD, "cluster key file", contents -> ClusterKeys.parse(contents, "test"));
    }

    @Test
    void takesTheKeysOfAChangedFileOnceAndKeepsThemWhileItStaysTheSame() throws Exception {
        Path file = dir.resolve("cluster.key");
        Files.writeString(file, OLD, StandardCharsets.UTF_8);
        WatchedFile<ClusterKeys> watcher = watcher(file);

        assertThat(watcher.maybeReload()).isNull();
        Files.writeString(file, OLD + "\n" + NEW + "\n", StandardCharsets.UTF_8);
        ClusterKeys reloaded = watcher.maybeReload();

        assertThat(reloaded).isNotNull();
        assertThat(reloaded.keyCount()).isEqualTo(2);
        assertThat(reloaded.fingerprints())
                .isEqualTo(ClusterKeys.parse(OLD + "\n" + NEW, "expected").fingerprints());
        assertThat(watcher.maybeReload()).isNull();
    }

    @Test
    void anInvalidOrMissingFileKeepsTheKeysInUseUntilItIsFixed() throws Exception {
        Path file = dir.resolve("cluster.key");
        Files.writeString(file, OLD, StandardCharsets.UTF_8);
        WatchedFile<ClusterKeys> watcher = watcher(file);

        Files.writeString(file, "short", StandardCharsets.UTF_8);
        assertThat(watcher.maybeReload()).isNull();
        Files.delete(file);
        assertThat(watcher.maybeReload()).isNull();
        Files.writeString(file, NEW, StandardCharsets.UTF_8);

        ClusterKeys fixed = watcher.maybeReload();
        assertThat(fixed).isNotNull();
        assertThat(fixed.fingerprints())
                .isEqualTo(ClusterKeys.parse(NEW, "expected").fingerprints());
    }

    @Test
    void fingerprintsNameTheSigningKeyFirstAndDifferBetweenKeys() {
        String[] both =
                ClusterKeys.parse(NEW + "\n" + OLD, "test").fingerprints().split(",");
        assertThat(both).hasSize(2);
        assertThat(both[0]).hasSize(8).isNotEqualTo(both[1]);
        assertThat(both[0]).isEqualTo(ClusterKeys.parse(NEW, "test").fingerprints());
    }
}
