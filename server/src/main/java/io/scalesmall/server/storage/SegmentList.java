package io.scalesmall.server.storage;

import io.scalesmall.protocol.BatchFormat;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

/**
 * The segments of one range log, oldest first, the last one active. Hands out retained segments,
 * so that whoever uses a segment outside the lock (a read, a sync) keeps its file open even if
 * retention drops it meanwhile; the caller releases it.
 *
 * <p>Thread-safety: every method is safe from any thread; each holds this object's monitor
 * briefly and never does I/O under it. Only the log's owner thread adds or removes segments.
 */
final class SegmentList {
    private final ArrayList<Segment> segments;
    private boolean directoryDirty;
    private boolean closed;

    SegmentList(List<Segment> recovered) {
        this.segments = new ArrayList<>(recovered);
    }

    synchronized Segment oldest() {
        return segments.get(0);
    }

    synchronized int size() {
        return segments.size();
    }

    /** The segment holding {@code index}, or the oldest one if {@code index} is older; retained. */
    synchronized Segment acquire(long index) throws ClosedChannelException {
        ensureOpen();
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).baseIndex() <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return segments.get(lo).retain();
    }

    /** The oldest segment whose newest batch is at least {@code timestampMs} old, retained; or null. */
    synchronized Segment acquireByTime(long timestampMs) throws ClosedChannelException {
        ensureOpen();
        int lo = 0;
        int hi = segments.size() - 1;
        if (segments.get(hi).isEmpty()) {
            hi--;
        }
        Segment found = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Segment segment = segments.get(mid);
            if (BatchFormat.hlcMillis(segment.lastHlcTime()) >= timestampMs) {
                found = segment;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found == null ? null : found.retain();
    }

    /** Every segment, retained. */
    synchronized List<Segment> acquireAll() throws ClosedChannelException {
        ensureOpen();
        List<Segment> all = new ArrayList<>(segments);
        all.forEach(Segment::retain);
        return all;
    }

    /**
     * Retains into {@code work} (newest first) the segments a sync must handle: those with batches
     * not yet fsynced and sealed ones without an index file.
     *
     * @return whether segment files were created since the last call (the directory needs fsync)
     */
    synchronized boolean acquireUnsynced(List<Segment> work) throws ClosedChannelException {
        ensureOpen();
        for (int i = segments.size() - 1; i >= 0; i--) {
            Segment segment = segments.get(i);
            if (segment.state() == SegmentState.INDEXED) {
                break;
            }
            if (segment.syncedIndex() < segment.lastIndex() || segment.state() == SegmentState.SEALED) {
                work.add(segment.retain());
            }
        }
        boolean dirty = directoryDirty;
        directoryDirty = false;
        return dirty;
    }

    /** Adds a retained reference to every sealed segment that has no index file yet to {@code work}. */
    synchronized void acquireSealed(List<Segment> work) throws ClosedChannelException {
        ensureOpen();
        for (int i = segments.size() - 1; i >= 0; i--) {
            Segment segment = segments.get(i);
            if (segment.state() == SegmentState.INDEXED) {
                break;
            }
            if (segment.state() == SegmentState.SEALED) {
                work.add(segment.retain());
            }
        }
    }

    /** Seals the active segment and makes {@code fresh} the active one. Owner thread. */
    synchronized void roll(Segment fresh) {
        segments.get(segments.size() - 1).seal();
        segments.add(fresh);
        directoryDirty = true;
    }

    /** Removes the oldest segment unless it is the active one; the caller releases it. Owner thread. */
    synchronized Segment removeOldest() {
        if (closed || segments.size() < 2) {
            return null;
        }
        return segments.remove(0);
    }

    /** Refuses further acquisitions and releases the list's references. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            segments.forEach(Segment::release);
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }
}
