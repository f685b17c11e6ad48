package io.scalesmall.server.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The append-only log of one range: stamped batches in segment files named by the first log index
 * they hold ({@code 00000000000000000001.log}), each batch addressed by a dense log index 1, 2, 3...
 * in append order. A replica's log holds the batches of every coordinator of the range, so a
 * batch's {@link BatchFormat#batchSeq} (its coordinator's sequence) is not its log index, and
 * hybrid-clock times from different coordinators may interleave: the time index keeps the running
 * maximum, so "from timestamp" finds the first batch after which every batch is at least that
 * late, within the nodes' clock skew.
 *
 * <p>Design note. Three kinds of threads use a log:
 *
 * <ul>
 *   <li>the <b>owner</b> thread appends ({@code write()} without fsync), rolls segments, deletes
 *       old ones and closes the log;
 *   <li>one <b>sync</b> thread ({@link SyncAgent}) calls {@link #sync}: it fsyncs every segment
 *       holding batches appended before the call and publishes {@link #durableIndex}, so one fsync
 *       covers every batch appended while the previous one ran;
 *   <li><b>readers</b> on any thread call {@link #read}, {@link #locateTime} and the getters.
 * </ul>
 *
 * Invariants: bytes are written, then indexed, then published through the volatile {@link
 * #nextIndex}, so a reader that reads {@code nextIndex} first never sees a half-written batch. The
 * {@link SegmentList} changes under its own lock, held briefly and never during I/O, and hands out
 * retained segments, so retention can drop a segment while a read or sync still uses it; the file
 * goes with the last reference. {@link #sync} calls are serialized by their own lock and never
 * block appends. A failed append leaves the log as it was. After a failed fsync the log refuses to
 * sync again (the kernel may have dropped the unwritten pages): reopen it, which recovers it.
 *
 * <p>Thread-safety: as above; {@link #append}, {@link #deleteOldestSegment} and {@link #close}
 * must come from the owner thread only, the rest is safe from any thread.
 */
public final class RangeLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RangeLog.class.getName());

    private final Path directory;
    private final StorageConfig config;
    private final ByteBufAllocator allocator;
    private final SegmentList segments;
    private final Object syncLock = new Object();
    private final ArrayList<Segment> syncWork = new ArrayList<>();
    private IOException syncFailure;
    private Segment active;
    private volatile boolean closed;
    private volatile long firstIndex;
    private volatile long nextIndex;
    private volatile long lastHlcTime;
    private volatile long sizeBytes;
    /** Bytes appended since the log was opened; only grows (retention does not take from it). */
    private volatile long appendedBytes;

    private volatile long durableIndex;

    /** Set while the log waits in a {@link SyncAgent}'s queue, so that it is queued once. */
    final AtomicBoolean syncQueued = new AtomicBoolean();

    private RangeLog(Path directory, StorageConfig config, ByteBufAllocator allocator, List<Segment> recovered) {
        this.directory = directory;
        this.config = config;
        this.allocator = allocator;
        this.segments = new SegmentList(recovered);
        this.active = recovered.get(recovered.size() - 1);
        this.firstIndex = recovered.get(0).baseIndex();
        this.nextIndex = active.lastIndex() + 1;
        this.durableIndex = nextIndex - 1;
        long bytes = 0;
        for (Segment segment : recovered) {
            bytes += segment.sizeBytes();
            if (!segment.isEmpty()) {
                lastHlcTime = segment.lastHlcTime();
            }
        }
        this.sizeBytes = bytes;
    }

    /** Opens (creating or recovering) the log in {@code directory}, reading into pooled direct buffers. */
    public static RangeLog open(Path directory, StorageConfig config) throws IOException {
        return open(directory, config, PooledByteBufAllocator.DEFAULT);
    }

    /** Opens (creating or recovering) the log in {@code directory}; reads allocate from {@code allocator}. */
    public static RangeLog open(Path directory, StorageConfig config, ByteBufAllocator allocator) throws IOException {
        return new RangeLog(directory, config, allocator, LogRecovery.recover(directory, config, allocator));
    }

    /**
     * Appends one stamped batch with its CRC computed: the readable bytes of {@code batch}, which
     * must be exactly one batch; it gets log index {@link #nextIndex()}. Written to the file but
     * not fsynced; see {@link #sync}.
     * Owner thread only. Does not release {@code batch}.
     *
     * @return the batch's log index
     * @throws StorageFullException when the disk is full; the log is unchanged
     * @throws IOException on another I/O error; the log is unchanged
     */
    public long append(ByteBuf batch) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        int at = batch.readerIndex();
        int length = batch.readableBytes();
        if (length < BatchFormat.HEADER_BYTES || BatchFormat.totalBytes(batch, at) != length) {
            throw new IllegalArgumentException("expected exactly one batch, got " + length + " bytes");
        }
        long index = nextIndex;
        long hlcTime = Math.max(lastHlcTime, BatchFormat.hlcTime(batch, at));
        Segment target = active;
        boolean roll = target.sizeBytes() > 0 && target.sizeBytes() + length > config.segmentBytes();
        if (roll) {
            try {
                target = Segment.create(directory, index, config);
            } catch (IOException e) {
                throw StorageFullException.classify(e);
            }
        }
        long position = target.sizeBytes();
        try {
            target.write(batch, position);
        } catch (IOException e) {
            undoFailedWrite(target, roll, position, e);
            throw StorageFullException.classify(e);
        }
        target.onAppended(index, position, length, hlcTime);
        if (roll) {
            segments.roll(target);
            active = target;
        }
        lastHlcTime = hlcTime;
        sizeBytes = sizeBytes + length;
        appendedBytes = appendedBytes + length;
        nextIndex = index + 1;
        return index;
    }

    private static void undoFailedWrite(Segment target, boolean fresh, long position, IOException failure) {
        try {
            if (fresh) {
                target.release();
                Files.deleteIfExists(target.logPath());
            } else {
                target.truncate(position);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Fsyncs every segment holding batches appended before this call, and writes the index files
     * of sealed segments once they are fsynced: {@link #syncData} then {@link #writeIndexFiles}.
     * Safe concurrently with appends and rolls; calls are serialized.
     *
     * @return the highest index now durable
     * @throws IOException if an fsync failed, now or in an earlier call
     */
    public long sync() throws IOException {
        long durable = syncData();
        writeIndexFiles();
        return durable;
    }

    /**
     * Fsyncs every segment holding batches appended before this call (and the directory when a
     * segment was created), but writes no index file, so that the caller can report durability
     * before that slower work. Safe concurrently with appends and rolls; calls are serialized.
     *
     * @return the highest index now durable
     * @throws IOException if an fsync failed, now or in an earlier call
     */
    public long syncData() throws IOException {
        synchronized (syncLock) {
            if (syncFailure != null) {
                throw new IOException("an earlier fsync in " + directory + " failed; reopen the log", syncFailure);
            }
            // Read before looking at the segments: every batch up to it is in a segment found below.
            long target = nextIndex - 1;
            boolean forceDirectory = segments.acquireUnsynced(syncWork);
            try {
                for (int i = syncWork.size() - 1; i >= 0; i--) {
                    Segment segment = syncWork.get(i);
                    if (segment.syncedIndex() < segment.lastIndex()) {
                        segment.forceAll();
                    }
                }
                if (forceDirectory) {
                    FileIo.forceDirectory(directory);
                }
            } catch (IOException e) {
                syncFailure = e;
                throw e;
            } finally {
                syncWork.forEach(Segment::release);
                syncWork.clear();
            }
            if (target > durableIndex) {
                durableIndex = target;
            }
            return durableIndex;
        }
    }

    /**
     * Writes the index file of every sealed segment that is fsynced. Only an optimization for the
     * next open, which rescans a segment without one; a failure is logged and retried by the next
     * call. Safe concurrently with appends and rolls; serialized with the syncs.
     */
    public void writeIndexFiles() {
        synchronized (syncLock) {
            if (syncFailure != null || closed) {
                return;
            }
            try {
                segments.acquireSealed(syncWork);
            } catch (ClosedChannelException e) {
                return;
            }
            try {
                for (int i = syncWork.size() - 1; i >= 0; i--) {
                    Segment segment = syncWork.get(i);
                    if (segment.syncedIndex() >= segment.lastIndex()) {
                        writeIndexFile(segment);
                    }
                }
            } finally {
                syncWork.forEach(Segment::release);
                syncWork.clear();
            }
        }
    }

    private void writeIndexFile(Segment segment) {
        try {
            segment.writeIndexFile(config.fileOpener());
        } catch (IOException e) {
            // Only an optimization for the next open, which rescans a segment without one.
            LOG.log(System.Logger.Level.WARNING, "writing " + segment.indexPath() + "; will retry", e);
        }
    }

    /**
     * Whole batches from {@code fromIndex} on, in one buffer the caller must release: at least one
     * batch even if larger than {@code maxBytes}, else up to {@code maxBytes}, within one segment.
     * If {@code fromIndex} is older than the oldest retained batch, reads from the oldest and flags
     * the result truncated. At {@link #nextIndex()}, returns an empty result.
     *
     * @throws IllegalArgumentException if {@code fromIndex} is below 1 or beyond {@link #nextIndex()}
     */
    public ReadResult read(long fromIndex, int maxBytes) throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        long next = nextIndex;
        if (fromIndex < 1 || fromIndex > next) {
            throw new IllegalArgumentException("read from " + fromIndex + " beyond the next index " + next);
        }
        Segment segment = segments.acquire(fromIndex);
        try {
            boolean truncated = fromIndex < segment.baseIndex();
            long start = truncated ? segment.baseIndex() : fromIndex;
            if (start >= next) {
                return ReadResult.empty(start, truncated);
            }
            return segment.read(start, next - 1, maxBytes, truncated, allocator);
        } finally {
            segment.release();
        }
    }

    /** Index of the first batch whose hlcMillis is at least {@code timestampMs}, else {@link #nextIndex()}. */
    public long locateTime(long timestampMs) throws IOException {
        long next = nextIndex;
        Segment segment = segments.acquireByTime(timestampMs);
        if (segment == null) {
            return next;
        }
        try {
            // The segment may hold a batch not yet published by nextIndex.
            return Math.min(segment.locateTime(timestampMs, allocator), next);
        } finally {
            segment.release();
        }
    }

    /**
     * Walks the headers of the retained batches from {@code fromIndex} (or the oldest retained, if
     * later) in index order, until the walk returns false or the end of the log. Any thread.
     */
    public void walkHeaders(long fromIndex, HeaderVisitor.Walk walk) throws IOException {
        long next = nextIndex;
        List<Segment> all = segments.acquireAll();
        try {
            for (Segment segment : all) {
                long last = segment.lastIndex();
                if (last < fromIndex || segment.isEmpty()) {
                    continue;
                }
                long start = Math.max(fromIndex, segment.baseIndex());
                if (start >= next || !segment.walkFrom(start, next, walk, allocator)) {
                    return;
                }
            }
        } finally {
            all.forEach(Segment::release);
        }
    }

    /** Visits the header of every retained batch in index order, reading only headers. */
    public void forEachBatchHeader(HeaderVisitor visitor) throws IOException {
        long next = nextIndex;
        List<Segment> all = segments.acquireAll();
        try {
            for (Segment segment : all) {
                if (!segment.forEachHeader(next, visitor, allocator)) {
                    break;
                }
            }
        } finally {
            all.forEach(Segment::release);
        }
    }

    /**
     * Deletes the oldest segment unless it is the active one; reads in progress on it complete
     * first. Owner thread only.
     *
     * @return false if only the active segment is left
     */
    public boolean deleteOldestSegment() {
        Segment victim = segments.removeOldest();
        if (victim == null) {
            return false;
        }
        firstIndex = segments.oldest().baseIndex();
        sizeBytes = sizeBytes - victim.sizeBytes();
        victim.markDeleted();
        victim.release();
        return true;
    }

    /** hlcMillis of the newest batch in the oldest segment, or -1 if that segment is empty. */
    public long oldestSegmentMaxHlcMillis() {
        Segment oldest = segments.oldest();
        return oldest.isEmpty() ? -1 : BatchFormat.hlcMillis(oldest.lastHlcTime());
    }

    public int segmentCount() {
        return segments.size();
    }

    /** Index of the oldest retained batch (equal to {@link #nextIndex()} when the log is empty). */
    public long firstIndex() {
        return firstIndex;
    }

    /** Index the next appended batch gets. */
    public long nextIndex() {
        return nextIndex;
    }

    /** hlcTime of the newest batch, 0 if the log never held one. */
    public long lastHlcTime() {
        return lastHlcTime;
    }

    /** Bytes of retained batches. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Bytes appended since this log was opened (retention does not take from it). Any thread. */
    public long appendedBytes() {
        return appendedBytes;
    }

    /** Number of retained batches. */
    public long batchCount() {
        return nextIndex - firstIndex;
    }

    /** Highest index covered by a completed {@link #sync} (everything recovered at open counts). */
    public long durableIndex() {
        return durableIndex;
    }

    /** Whether batches were appended since the last completed sync. */
    public boolean hasUnsyncedData() {
        return nextIndex - 1 > durableIndex;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Fsyncs what is left and closes the files (reads in progress complete first). Call from the
     * owner thread once no {@link SyncAgent} syncs this log any more. Index files are written only
     * for sealed segments; the active one is rescanned at the next open.
     *
     * @throws IOException if the final fsync failed (the files are closed anyway)
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            sync();
        } finally {
            closed = true;
            segments.close();
        }
    }

    @Override
    public String toString() {
        return "RangeLog[" + directory + ", " + firstIndex + ".." + (nextIndex - 1) + "]";
    }
}
