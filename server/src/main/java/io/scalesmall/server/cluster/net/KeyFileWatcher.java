package io.scalesmall.server.cluster.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Notices when the cluster key file changes, so that keys rotate without a restart: the agent
 * asks every {@code cluster.key.reload.ms} and takes the new keys when the file parses. A file
 * that is missing, unreadable or invalid keeps the keys in use (a half-written file must not cut
 * the node off) and is reported once per distinct content.
 *
 * <p>Not thread-safe: used on the cluster thread only.
 */
final class KeyFileWatcher {
    private static final Logger LOG = Logger.getLogger(KeyFileWatcher.class.getName());

    private final Path file;
    private String lastContents;

    /** @param loadedContents the contents the keys in use were read from */
    KeyFileWatcher(Path file, String loadedContents) {
        this.file = file;
        this.lastContents = loadedContents;
    }

    static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** The new keys when the file changed since the last call and holds valid keys, else null. */
    ClusterKeys maybeReload() {
        String contents;
        try {
            contents = read(file);
        } catch (IOException e) {
            if (lastContents != null) {
                LOG.warning("cannot read the cluster key file " + file + " (" + e + "); keeping the keys in use");
                lastContents = null;
            }
            return null;
        }
        if (contents.equals(lastContents)) {
            return null;
        }
        lastContents = contents;
        try {
            return ClusterKeys.parse(contents, file.toString());
        } catch (IllegalArgumentException e) {
            LOG.warning("the cluster key file changed but is invalid, keeping the keys in use: " + e.getMessage());
            return null;
        }
    }
}
