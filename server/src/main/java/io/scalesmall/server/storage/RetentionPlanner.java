package io.scalesmall.server.storage;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides which range deletes its oldest segment next. Pure logic: the caller gathers a {@link
 * RangeView} per range log, asks, deletes one segment, and asks again with fresh views until the
 * answer is empty.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>a range violating its stream's limits: age (the newest batch of its oldest segment is older
 *       than retentionMs) or size (the range holds more than retentionBytes; a range of a stream is
 *       measured alone, since a stream's ranges live on different nodes). Deleting a whole segment
 *       may take the range below its size limit by up to one segment;
 *   <li>while the disk is over its high watermark, the range whose oldest segment is the oldest
 *       across all streams.
 * </ol>
 *
 * Only ranges with more than one segment qualify: the active segment is never deleted. Ties go to
 * the oldest segment, then by stream and range id, so the answer is deterministic. Stateless;
 * thread-safe.
 */
public final class RetentionPlanner {
    /** A retention limit that is not set. */
    public static final long NO_LIMIT = -1;

    /**
     * What the planner needs to know of one range log.
     *
     * @param oldestSegmentMaxMillis {@link RangeLog#oldestSegmentMaxHlcMillis()}
     * @param retentionMs the stream's age limit, or {@link #NO_LIMIT}
     * @param retentionBytes the stream's size limit per range, or {@link #NO_LIMIT}
     */
    public record RangeView(
            String stream,
            int rangeId,
            long sizeBytes,
            long oldestSegmentMaxMillis,
            int segmentCount,
            long retentionMs,
            long retentionBytes) {}

    /** Why a range was chosen. */
    public enum Reason {
        AGE,
        SIZE,
        HIGH_WATERMARK
    }

    /** The range that should delete its oldest segment, and why. */
    public record Decision(RangeView range, Reason reason) {}

    private static final Comparator<RangeView> OLDEST_FIRST = Comparator.comparingLong(
                    RangeView::oldestSegmentMaxMillis)
            .thenComparing(RangeView::stream)
            .thenComparingInt(RangeView::rangeId);

    private RetentionPlanner() {}

    /** The next deletion, or empty when every range is within its limits and the disk is not over its watermark. */
    public static Optional<Decision> next(List<RangeView> ranges, long nowMs, boolean overHighWatermark) {
        RangeView violating = null;
        RangeView oldest = null;
        for (RangeView range : ranges) {
            if (range.segmentCount() < 2) {
                continue;
            }
            if ((isTooOld(range, nowMs) || isTooLarge(range))
                    && (violating == null || OLDEST_FIRST.compare(range, violating) < 0)) {
                violating = range;
            }
            if (oldest == null || OLDEST_FIRST.compare(range, oldest) < 0) {
                oldest = range;
            }
        }
        if (violating != null) {
            return Optional.of(new Decision(violating, isTooOld(violating, nowMs) ? Reason.AGE : Reason.SIZE));
        }
        if (overHighWatermark && oldest != null) {
            return Optional.of(new Decision(oldest, Reason.HIGH_WATERMARK));
        }
        return Optional.empty();
    }

    private static boolean isTooOld(RangeView range, long nowMs) {
        return range.retentionMs() != NO_LIMIT && nowMs - range.oldestSegmentMaxMillis() > range.retentionMs();
    }

    private static boolean isTooLarge(RangeView range) {
        return range.retentionBytes() != NO_LIMIT && range.sizeBytes() > range.retentionBytes();
    }
}
