package io.scalesmall.server.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Tells whether the data volume is over its high watermark, the point from which retention deletes
 * the oldest segments. The watermark is either a percentage of the file system holding the data
 * directory (used = total - usable space), or an absolute budget for the data directory's own
 * size. Immutable; thread-safe as long as the sources it reads are.
 */
public final class DiskUsage {
    /** Default high watermark: 90% of the volume. */
    public static final double DEFAULT_HIGH_WATERMARK_PERCENT = 90.0;

    /** Space figures of a file system; a fake one lets tests simulate a nearly full disk. */
    public interface VolumeStats {
        long totalBytes() throws IOException;

        long usableBytes() throws IOException;

        /** The figures of {@code store}. */
        static VolumeStats of(FileStore store) {
            return new VolumeStats() {
                @Override
                public long totalBytes() throws IOException {
                    return store.getTotalSpace();
                }

                @Override
                public long usableBytes() throws IOException {
                    return store.getUsableSpace();
                }
            };
        }
    }

    /** Where the used bytes come from. */
    @FunctionalInterface
    private interface UsedBytes {
        long get() throws IOException;
    }

    private final UsedBytes used;
    private final UsedBytes limit;

    private DiskUsage(UsedBytes used, UsedBytes limit) {
        this.used = used;
        this.limit = limit;
    }

    /** Over the watermark when more than {@code highWatermarkPercent} of the volume holding {@code dataDir} is used. */
    public static DiskUsage ofVolume(Path dataDir, double highWatermarkPercent) throws IOException {
        return ofVolume(VolumeStats.of(Files.getFileStore(dataDir)), highWatermarkPercent);
    }

    /** Over the watermark when more than {@code highWatermarkPercent} of {@code stats}' total is used. */
    public static DiskUsage ofVolume(VolumeStats stats, double highWatermarkPercent) {
        Objects.requireNonNull(stats, "stats");
        if (!(highWatermarkPercent > 0 && highWatermarkPercent <= 100)) {
            throw new IllegalArgumentException("high watermark must be in (0, 100]: " + highWatermarkPercent);
        }
        return new DiskUsage(() -> stats.totalBytes() - stats.usableBytes(), () ->
                (long) (stats.totalBytes() * (highWatermarkPercent / 100.0)));
    }

    /** Over the watermark when the files under {@code dataDir} take more than {@code budgetBytes}. */
    public static DiskUsage ofBudget(Path dataDir, long budgetBytes) {
        Objects.requireNonNull(dataDir, "dataDir");
        return ofBudget(budgetBytes, () -> directorySizeBytes(dataDir));
    }

    /** Over the watermark when {@code usedBytes} (say the sum of the logs' sizes) exceeds {@code budgetBytes}. */
    public static DiskUsage ofBudget(long budgetBytes, LongSupplier usedBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("budget must not be negative: " + budgetBytes);
        }
        Objects.requireNonNull(usedBytes, "usedBytes");
        return new DiskUsage(usedBytes::getAsLong, () -> budgetBytes);
    }

    public boolean isOverHighWatermark() throws IOException {
        return used.get() > limit.get();
    }

    /** Bytes to free to get back to the watermark, 0 if under it. */
    public long excessBytes() throws IOException {
        return Math.max(0, used.get() - limit.get());
    }

    /** Total size of the regular files under {@code directory}. */
    static long directorySizeBytes(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.mapToLong(DiskUsage::sizeOrZero).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long sizeOrZero(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.isRegularFile() ? attributes.size() : 0;
        } catch (IOException e) {
            return 0; // deleted while walking
        }
    }
}
