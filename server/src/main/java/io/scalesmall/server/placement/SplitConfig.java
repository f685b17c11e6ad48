package io.scalesmall.server.placement;

/**
 * When ranges split.
 *
 * @param bytes a range with this many bytes stored splits ({@code Long.MAX_VALUE}: never by size)
 * @param rateBytes a range that takes this many bytes per second over a whole window splits
 *     ({@code Long.MAX_VALUE}: never by rate)
 * @param windowMs the window over which the rate is measured
 * @param checkIntervalMs how often a node measures the ranges it holds
 * @param maxRangesPerStream no split while a stream has this many current ranges
 */
public record SplitConfig(long bytes, long rateBytes, long windowMs, long checkIntervalMs, int maxRangesPerStream) {
    /** Default {@link #bytes()}: 1 GiB, so a range's new writes move on after a gigabyte. */
    public static final long DEFAULT_BYTES = 1L << 30;
    /** Default {@link #rateBytes()}: 16 MiB/s sustained, a good share of one node's disk. */
    public static final long DEFAULT_RATE_BYTES = 16L << 20;

    public static final long DEFAULT_WINDOW_MS = 60_000;
    public static final long DEFAULT_CHECK_INTERVAL_MS = 5_000;
    public static final int DEFAULT_MAX_RANGES_PER_STREAM = 64;

    public SplitConfig {
        if (bytes <= 0 || rateBytes <= 0 || windowMs <= 0 || checkIntervalMs <= 0 || maxRangesPerStream < 1) {
            throw new IllegalArgumentException(
                    "split thresholds, window and interval must be positive, and" + " the range limit at least 1");
        }
    }

    /** The defaults. */
    public static SplitConfig defaults() {
        return new SplitConfig(
                DEFAULT_BYTES,
                DEFAULT_RATE_BYTES,
                DEFAULT_WINDOW_MS,
                DEFAULT_CHECK_INTERVAL_MS,
                DEFAULT_MAX_RANGES_PER_STREAM);
    }
}
