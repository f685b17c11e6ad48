package io.scalesmall.server.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the files of a range log. The default is {@link FileChannel#open(Path, OpenOption...)};
 * tests pass an opener returning a channel that fails on purpose (disk full, slow reads).
 * Implementations must be thread-safe.
 */
@FunctionalInterface
public interface FileOpener {
    /** Opens or creates {@code path} with {@code options}, as {@link FileChannel#open} does. */
    FileChannel open(Path path, OpenOption... options) throws IOException;
}
