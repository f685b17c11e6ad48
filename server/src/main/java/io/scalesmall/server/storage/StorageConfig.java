package io.scalesmall.server.storage;

import io.scalesmall.protocol.BatchFormat;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * Settings of the range logs. Immutable; thread-safe.
 *
 * @param segmentBytes a segment rolls when an append would make it larger than this; a single
 *     larger batch goes alone into a fresh segment
 * @param indexIntervalBytes the sparse index holds an entry at least every this many bytes of a
 *     segment (and for its first batch); smaller means faster lookups and more memory
 * @param fileOpener opens segment and index files
 */
public record StorageConfig(int segmentBytes, int indexIntervalBytes, FileOpener fileOpener) {
    /** Default segment size: 256 MiB. */
    public static final int DEFAULT_SEGMENT_BYTES = 256 << 20;

    /** Default sparse index interval: 4 KiB. */
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;

    /** Default file opener: the JDK's {@link FileChannel#open}. */
    public static final FileOpener DEFAULT_FILE_OPENER = FileChannel::open;

    public StorageConfig {
        if (segmentBytes < BatchFormat.HEADER_BYTES) {
            throw new IllegalArgumentException("segmentBytes must hold at least one batch header: " + segmentBytes);
        }
        if (indexIntervalBytes < 1) {
            throw new IllegalArgumentException("indexIntervalBytes must be positive: " + indexIntervalBytes);
        }
        Objects.requireNonNull(fileOpener, "fileOpener");
    }

    /** All defaults. */
    public static StorageConfig defaults() {
        return new StorageConfig(DEFAULT_SEGMENT_BYTES, DEFAULT_INDEX_INTERVAL_BYTES, DEFAULT_FILE_OPENER);
    }

    public StorageConfig withSegmentBytes(int bytes) {
        return new StorageConfig(bytes, indexIntervalBytes, fileOpener);
    }

    public StorageConfig withIndexIntervalBytes(int bytes) {
        return new StorageConfig(segmentBytes, bytes, fileOpener);
    }

    public StorageConfig withFileOpener(FileOpener opener) {
        return new StorageConfig(segmentBytes, indexIntervalBytes, opener);
    }
}
