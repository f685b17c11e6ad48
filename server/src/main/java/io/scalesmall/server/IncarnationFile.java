package io.scalesmall.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The highest incarnation this data directory's node has used, kept durably so that a restart
 * always comes back above it — and above its own old tombstone in everyone's view. Written at
 * start and whenever the node refutes a suspicion; each write is a write-to-temp, fsync, rename.
 * Thread-safe.
 */
final class IncarnationFile {
    private final Path file;
    private long highest;

    IncarnationFile(Path file) {
        this.file = file;
    }

    /** Reads the last incarnation used, stores one more and returns it. */
    synchronized long next() throws IOException {
        long last = 0;
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            try {
                last = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IOException(file + " does not hold an incarnation number: '" + text + "'", e);
            }
        }
        write(last + 1);
        return last + 1;
    }

    /** Stores {@code incarnation} when it is above the highest stored. */
    synchronized void raise(long incarnation) {
        if (incarnation > highest) {
            try {
                write(incarnation);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot persist incarnation " + incarnation + " in " + file, e);
            }
        }
    }

    private void write(long incarnation) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(StandardCharsets.US_ASCII.encode(incarnation + "\n"));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        highest = incarnation;
    }
}
