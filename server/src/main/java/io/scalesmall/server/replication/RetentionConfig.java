package io.scalesmall.server.replication;

import io.scalesmall.server.storage.DiskUsage;

/**
 * When old data is deleted. Data is kept until the data volume reaches its high watermark; then
 * the oldest segments across all streams go first. Per-stream age and size limits apply on top.
 *
 * @param highWatermarkPercent delete oldest segments while the file system holding the data dir
 *     is at least this full (percent of its size); ignored when {@code highWatermarkBytes > 0}
 * @param highWatermarkBytes when positive: delete oldest segments while the data dir holds at
 *     least this many bytes
 * @param checkIntervalMs how often limits are checked
 * @param volumeStats where the file system's size and free space are read; null for the real file
 *     system holding the data directory (tests pass a fake one)
 */
public record RetentionConfig(
        double highWatermarkPercent, long highWatermarkBytes, long checkIntervalMs, DiskUsage.VolumeStats volumeStats) {
    public static final double DEFAULT_HIGH_WATERMARK_PERCENT = 90.0;
    public static final long DEFAULT_CHECK_INTERVAL_MS = 5_000;

    public RetentionConfig {
        if (highWatermarkPercent <= 0 || highWatermarkPercent > 100) {
            throw new IllegalArgumentException("high watermark percent must be in (0, 100]: " + highWatermarkPercent);
        }
        if (checkIntervalMs <= 0) {
            throw new IllegalArgumentException("retention check interval must be positive");
        }
    }

    /** 90% of the file system, checked every 5 s. */
    public static RetentionConfig defaults() {
        return new RetentionConfig(DEFAULT_HIGH_WATERMARK_PERCENT, -1, DEFAULT_CHECK_INTERVAL_MS, null);
    }

    /**
     * Parses a watermark written as a percent ({@code 90%}) or a size ({@code 500000000},
     * {@code 512MB}, {@code 40GiB}).
     */
    public static RetentionConfig parseWatermark(String text, long checkIntervalMs) {
        String t = text.trim();
        if (t.endsWith("%")) {
            return new RetentionConfig(
                    Double.parseDouble(t.substring(0, t.length() - 1).trim()), -1, checkIntervalMs, null);
        }
        return new RetentionConfig(DEFAULT_HIGH_WATERMARK_PERCENT, parseBytes(t), checkIntervalMs, null);
    }

    /** Parses {@code 123}, {@code 64KB}, {@code 64KiB}, {@code 512MB}, {@code 2GB}, {@code 1TB}. */
    public static long parseBytes(String text) {
        String t = text.trim().toUpperCase(java.util.Locale.ROOT).replace("IB", "B");
        long unit = 1;
        String[] suffixes = {"KB", "MB", "GB", "TB", "K", "M", "G", "T", "B"};
        long[] units = {1L << 10, 1L << 20, 1L << 30, 1L << 40, 1L << 10, 1L << 20, 1L << 30, 1L << 40, 1};
        for (int i = 0; i < suffixes.length; i++) {
            if (t.endsWith(suffixes[i])) {
                unit = units[i];
                t = t.substring(0, t.length() - suffixes[i].length()).trim();
                break;
            }
        }
        long value = Long.parseLong(t) * unit;
        if (value <= 0) {
            throw new IllegalArgumentException("size must be positive: " + text);
        }
        return value;
    }
}
