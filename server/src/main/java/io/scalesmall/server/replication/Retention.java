package io.scalesmall.server.replication;

import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.storage.DiskUsage;
import io.scalesmall.server.storage.RangeLog;
import io.scalesmall.server.storage.RetentionPlanner;
import io.scalesmall.server.storage.RetentionPlanner.Decision;
import io.scalesmall.server.storage.RetentionPlanner.RangeView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies retention on the data agent thread: per-stream age and size limits, then, while the data
 * volume is over its high watermark, deletes the oldest segment across all streams, one segment at
 * a time, asking {@link RetentionPlanner} again after each deletion.
 *
 * <p>Not thread-safe; owned by the data agent thread.
 */
final class Retention {
    private static final Logger LOG = Logger.getLogger(Retention.class.getName());
    private static final int MAX_DELETIONS_PER_RUN = 10_000;

    private final StreamCatalog catalog;
    private final Map<RangeKey, RangeReplica> ranges;
    private final LongSupplier clockMs;
    private final DiskUsage diskUsage;

    Retention(RetentionConfig config, StreamCatalog catalog, Map<RangeKey, RangeReplica> ranges, LongSupplier clockMs)
            throws IOException {
        this.catalog = catalog;
        this.ranges = ranges;
        this.clockMs = clockMs;
        if (config.highWatermarkBytes() > 0) {
            this.diskUsage = DiskUsage.ofBudget(config.highWatermarkBytes(), this::storedBytes);
        } else if (config.volumeStats() != null) {
            this.diskUsage = DiskUsage.ofVolume(config.volumeStats(), config.highWatermarkPercent());
        } else {
            this.diskUsage = DiskUsage.ofVolume(catalog.streamsDir(), config.highWatermarkPercent());
        }
    }

    private long storedBytes() {
        long sum = 0;
        for (RangeReplica r : ranges.values()) {
            sum += r.log.sizeBytes();
        }
        return sum;
    }

    private volatile boolean full;

    /**
     * True when the last run left the volume over its high watermark: retention could not free
     * enough (only open segments left, or other data fills the volume). Any thread.
     */
    boolean full() {
        return full;
    }

    /** Deletes segments until every limit holds; returns how many were deleted. */
    int run() {
        int deleted = 0;
        try {
            while (deleted < MAX_DELETIONS_PER_RUN) {
                Optional<Decision> next =
                        RetentionPlanner.next(views(), clockMs.getAsLong(), diskUsage.isOverHighWatermark());
                if (next.isEmpty()) {
                    break;
                }
                RangeView view = next.get().range();
                RangeReplica replica = ranges.get(new RangeKey(view.stream(), view.rangeId()));
                RangeLog log = replica == null ? null : replica.log;
                if (log == null || !log.deleteOldestSegment()) {
                    break;
                }
                replica.coordinators.truncateBefore(log.firstIndex());
                exactFirsts(replica);
                deleted++;
                LOG.info(() -> "retention (" + next.get().reason() + ") deleted the oldest segment of " + view.stream()
                        + "/" + view.rangeId());
            }
            // Full only when nothing is left to delete, not when this run hit its bound.
            full = deleted < MAX_DELETIONS_PER_RUN && diskUsage.isOverHighWatermark();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "retention could not read disk usage", e);
        }
        return deleted;
    }

    /**
     * Walks the log from its new first batch until it met every coordinator, so each one's oldest
     * held sequence is exact: what this replica reports to the others and serves to their pulls.
     */
    private static void exactFirsts(RangeReplica replica) {
        int coordinators = replica.coordinators.coordinators().size();
        java.util.Set<io.scalesmall.protocol.NodeId> seen = new java.util.HashSet<>();
        try {
            replica.log.walkHeaders(replica.log.firstIndex(), (index, h) -> {
                io.scalesmall.protocol.NodeId c =
                        new io.scalesmall.protocol.NodeId(h.coordinatorHigh(), h.coordinatorLow());
                if (seen.add(c)) {
                    replica.coordinators.exactFirst(c, h.batchSeq(), index);
                }
                return seen.size() < coordinators;
            });
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read the oldest batches of " + replica.key + " after retention", e);
        }
    }

    private List<RangeView> views() {
        List<RangeView> views = new ArrayList<>(ranges.size());
        for (RangeReplica r : ranges.values()) {
            StreamClaim s = catalog.stream(r.key.stream());
            StreamOptions o = s == null ? StreamOptions.DEFAULT : StreamCatalog.options(s);
            views.add(new RangeView(
                    r.key.stream(),
                    r.key.rangeId(),
                    r.log.sizeBytes(),
                    r.log.oldestSegmentMaxHlcMillis(),
                    r.log.segmentCount(),
                    o.retentionMs(),
                    o.retentionBytes()));
        }
        return views;
    }
}
