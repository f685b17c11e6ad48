package io.scalesmall.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * A settings file a node re-reads while it runs (the cluster key file, the principals file), so
 * that it changes without a restart: the owner asks every few seconds and takes what a changed
 * file parses to. A file that is missing, unreadable or invalid keeps what is in use (a
 * half-written file must not lock everyone out) and is reported once per distinct content.
 *
 * <p>Not thread-safe: one thread asks.
 *
 * @param <T> what the file parses to
 */
public final class WatchedFile<T> {
    private static final Logger LOG = Logger.getLogger(WatchedFile.class.getName());

    private final Path file;
    private final String what;
    private final Function<String, T> parse;
    private String lastContents;

    /**
     * @param file the file
     * @param loadedContents the contents what is in use was read from
     * @param what names the file in log lines, such as "cluster key file"
     * @param parse parses contents, throwing {@link IllegalArgumentException} for invalid ones
     */
    public WatchedFile(Path file, String loadedContents, String what, Function<String, T> parse) {
        this.file = file;
        this.lastContents = loadedContents;
        this.what = what;
        this.parse = parse;
    }

    /** The file's contents. */
    public static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** What the file parses to when it changed since the last call and is valid, else null. */
    public T maybeReload() {
        String contents;
        try {
            contents = read(file);
        } catch (IOException e) {
            if (lastContents != null) {
                LOG.warning("cannot read the " + what + " " + file + " (" + e + "); keeping the one in use");
                lastContents = null;
            }
            return null;
        }
        if (contents.equals(lastContents)) {
            return null;
        }
        lastContents = contents;
        try {
            return parse.apply(contents);
        } catch (IllegalArgumentException e) {
            LOG.warning(
                    "the " + what + " " + file + " changed but is invalid, keeping the one in use: " + e.getMessage());
            return null;
        }
    }
}
