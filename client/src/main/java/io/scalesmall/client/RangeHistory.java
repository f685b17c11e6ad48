package io.scalesmall.client;

import io.scalesmall.protocol.MetadataResponse.Range;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.StartPosition;
import java.util.Comparator;
import java.util.List;

/**
 * A stream's placement history as readers see it. A key's history is every range whose slice holds
 * its hash, in creation order; placement changes and splits make slices nest, so a reader reads a
 * range once every older range overlapping it has ended, and reads ranges that do not overlap at
 * once.
 *
 * <p>Stateless; thread-safe.
 */
final class RangeHistory {
    /** Creation order: by creation time, then id. */
    static final Comparator<Range> OLDEST_FIRST =
            Comparator.comparingLong(Range::sinceHlc).thenComparingInt(Range::rangeId);

    private RangeHistory() {}

    /** Whether two ranges share keys. */
    static boolean overlap(Range a, Range b) {
        return a.firstHash() <= b.lastHash() && b.firstHash() <= a.lastHash();
    }

    /**
     * Whether a reader's start lies after all of {@code r}, which it then skips: for a start at
     * the end, a newer range overlaps it; for a timestamp, a newer range overlapping it was created
     * by then; for a cursor, the cursor has no position in it but has one in a newer range
     * overlapping it (the reader read it to its end).
     */
    static boolean beforeStart(From from, Range r, List<Range> all) {
        if (from.kind() == StartPosition.Kind.CURSOR && inCursor(from, r.rangeId())) {
            return false;
        }
        for (Range newer : all) {
            if (OLDEST_FIRST.compare(newer, r) <= 0 || !overlap(newer, r)) {
                continue;
            }
            boolean skips = switch (from.kind()) {
                case END -> true;
                case TIMESTAMP -> (newer.sinceHlc() >>> 16) <= from.timestampMs();
                case CURSOR -> inCursor(from, newer.rangeId());
                default -> false;
            };
            if (skips) {
                return true;
            }
        }
        return false;
    }

    private static boolean inCursor(From from, int rangeId) {
        for (RangeCursor c : from.cursor().ranges()) {
            if (c.rangeId() == rangeId) {
                return true;
            }
        }
        return false;
    }
}
