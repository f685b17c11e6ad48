package io.scalesmall.server.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One segment file of a range log: batches with consecutive log indexes from {@link #baseIndex},
 * its sparse index, and its lifecycle ({@link SegmentState}).
 *
 * <p>Thread-safety: appends ({@link #write}, {@link #onAppended}, {@link #seal}) come from one
 * writer thread; the end of the appended data ({@link #sizeBytes}, {@link #lastIndex}) is published
 * through volatile fields after the bytes are written, and readers on any thread only read below
 * it. Reference-counted: the log holds one reference, and each reader or sync holds one while it
 * uses the file; the file is closed, and deleted if the segment was {@link SegmentState#DELETED},
 * when the last reference goes.
 */
final class Segment extends AbstractReferenceCounted {
    private static final System.Logger LOG = System.getLogger(Segment.class.getName());
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    private static final int HEADER_CHUNK_BYTES = 64 * 1024;
    private static final int MAX_LOCATE_CHUNK_BYTES = 1 << 20;

    private final long baseIndex;
    private final Path logPath;
    private final Path indexPath;
    private final FileChannel channel;
    private final int indexIntervalBytes;
    private final SparseIndex sparseIndex;
    private final AtomicReference<SegmentState> state = new AtomicReference<>(SegmentState.ACTIVE);
    private volatile long sizeBytes;
    private volatile long lastIndex;
    private volatile long lastHlcTime;
    private long lastEntryPosition;
    private long syncedIndex;

    private Segment(Path directory, long baseIndex, FileChannel channel, StorageConfig config) {
        this.baseIndex = baseIndex;
        this.logPath = directory.resolve(fileName(baseIndex, LOG_SUFFIX));
        this.indexPath = directory.resolve(fileName(baseIndex, INDEX_SUFFIX));
        this.channel = channel;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.sparseIndex = new SparseIndex(baseIndex);
        this.lastIndex = baseIndex - 1;
        this.syncedIndex = baseIndex - 1;
    }

    static String fileName(long baseIndex, String suffix) {
        return String.format("%020d%s", baseIndex, suffix);
    }

    /** Creates a new, empty segment file, emptying a stale one left by a failed roll. */
    static Segment create(Path directory, long baseIndex, StorageConfig config) throws IOException {
        Path path = directory.resolve(fileName(baseIndex, LOG_SUFFIX));
        FileChannel channel = config.fileOpener()
                .open(
                        path,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
        return new Segment(directory, baseIndex, channel, config);
    }

    /** Opens an existing segment file; it looks empty until recovery restores or scans it. */
    static Segment openExisting(Path directory, long baseIndex, StorageConfig config) throws IOException {
        Path path = directory.resolve(fileName(baseIndex, LOG_SUFFIX));
        FileChannel channel = config.fileOpener().open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new Segment(directory, baseIndex, channel, config);
    }

    long baseIndex() {
        return baseIndex;
    }

    /** Bytes of complete batches; the file may be longer only during a failed append. */
    long sizeBytes() {
        return sizeBytes;
    }

    /** Index of the last batch, {@code baseIndex - 1} when empty. */
    long lastIndex() {
        return lastIndex;
    }

    /** hlcTime of the last batch; meaningless when empty. */
    long lastHlcTime() {
        return lastHlcTime;
    }

    boolean isEmpty() {
        return lastIndex < baseIndex;
    }

    SegmentState state() {
        return state.get();
    }

    Path logPath() {
        return logPath;
    }

    Path indexPath() {
        return indexPath;
    }

    FileChannel channel() {
        return channel;
    }

    SparseIndex sparseIndex() {
        return sparseIndex;
    }

    // ---- writer thread ----

    /** Writes a batch at {@code position}, not yet visible to readers. */
    void write(ByteBuf batch, long position) throws IOException {
        FileIo.writeFully(channel, batch, position);
    }

    void truncate(long size) throws IOException {
        channel.truncate(size);
    }

    /** Records a batch written at {@code position} and publishes it to readers. */
    void onAppended(long index, long position, int totalBytes, long hlcTime) {
        if (index == baseIndex || position - lastEntryPosition >= indexIntervalBytes) {
            sparseIndex.add(index, position, hlcTime);
            lastEntryPosition = position;
        }
        lastHlcTime = hlcTime;
        lastIndex = index;
        sizeBytes = position + totalBytes;
    }

    /** Restores the state a valid index file describes, instead of scanning the file. */
    void restore(long lastIndex, long sizeBytes, long lastHlcTime) {
        this.lastEntryPosition = sparseIndex.position(sparseIndex.count() - 1);
        this.lastHlcTime = lastHlcTime;
        this.lastIndex = lastIndex;
        this.sizeBytes = sizeBytes;
        this.syncedIndex = lastIndex;
    }

    void seal() {
        moveTo(SegmentState.ACTIVE, SegmentState.SEALED);
        sparseIndex.trim();
    }

    /** Marks the segment dropped from the log; its files go with its last reference. */
    void markDeleted() {
        while (true) {
            SegmentState current = state.get();
            if (!current.canMoveTo(SegmentState.DELETED)) {
                throw new IllegalStateException("segment " + baseIndex + ": " + current + " -> DELETED");
            }
            if (state.compareAndSet(current, SegmentState.DELETED)) {
                return;
            }
        }
    }

    // ---- sync thread ----

    /** Highest index known fsynced; guarded by the log's sync lock. */
    long syncedIndex() {
        return syncedIndex;
    }

    /** Forces the file and records everything up to the current last index as synced. */
    void forceAll() throws IOException {
        long upTo = lastIndex;
        channel.force(false);
        syncedIndex = upTo;
    }

    /** Writes the index file of a sealed, fsynced segment; false if it was deleted meanwhile. */
    boolean writeIndexFile(FileOpener opener) throws IOException {
        if (state.get() != SegmentState.SEALED) {
            return false;
        }
        SegmentIndexFile.write(this, opener);
        return state.compareAndSet(SegmentState.SEALED, SegmentState.INDEXED);
    }

    /** Marks a sealed segment whose valid index file exists (found at open) as indexed. */
    void markIndexed() {
        moveTo(SegmentState.SEALED, SegmentState.INDEXED);
    }

    private void moveTo(SegmentState from, SegmentState to) {
        if (!from.canMoveTo(to) || !state.compareAndSet(from, to)) {
            throw new IllegalStateException("segment " + baseIndex + ": " + state.get() + " -> " + to);
        }
    }

    // ---- any thread, holding a reference ----

    /** File position of the batch with log index {@code index}, which this segment holds. */
    long positionOf(long index, ByteBufAllocator allocator) throws IOException {
        int slot = sparseIndex.floorByIndex(index);
        if (slot < 0 || index > lastIndex) {
            throw new IllegalArgumentException("index " + index + " not in segment " + baseIndex);
        }
        long at = sparseIndex.index(slot);
        if (at == index) {
            return sparseIndex.position(slot);
        }
        try (HeaderWalker walker = walker(sparseIndex.position(slot), allocator)) {
            while (walker.next()) {
                if (at == index) {
                    return walker.position();
                }
                at++;
            }
        }
        throw new IOException("corrupt segment " + logPath + ": index " + index + " not found");
    }

    /** Index of the first batch with hlcMillis at least {@code timestampMs}; the segment has one. */
    long locateTime(long timestampMs, ByteBufAllocator allocator) throws IOException {
        int slot = sparseIndex.lastBeforeMillis(timestampMs);
        if (slot < 0) {
            return baseIndex;
        }
        long at = sparseIndex.index(slot);
        try (HeaderWalker walker = walker(sparseIndex.position(slot), allocator)) {
            while (walker.next() && BatchFormat.hlcMillis(walker.hlcTime()) < timestampMs) {
                at++;
            }
        }
        return at;
    }

    private HeaderWalker walker(long from, ByteBufAllocator allocator) {
        int chunk = (int) Math.min(MAX_LOCATE_CHUNK_BYTES, (long) indexIntervalBytes + BatchFormat.HEADER_BYTES);
        return new HeaderWalker(channel, from, sizeBytes, chunk, allocator);
    }

    /**
     * Whole batches from {@code index} on, up to {@code maxBytes} but at least one, not past {@code
     * maxIndex} nor this segment's end.
     */
    ReadResult read(long index, long maxIndex, int maxBytes, boolean truncated, ByteBufAllocator allocator)
            throws IOException {
        long maxCount = maxIndex - index + 1;
        long position = positionOf(index, allocator);
        long available = sizeBytes - position;
        int want = (int) Math.min(available, Math.max(maxBytes, 4));
        ByteBuf buf = allocator.directBuffer(want);
        try {
            FileIo.readFully(channel, buf, 0, want, position);
            int end = 0;
            int count = 0;
            while (count < maxCount && end + 4 <= want) {
                int total = buf.getInt(end) + 4;
                if (total < BatchFormat.HEADER_BYTES || total > available - end) {
                    throw new IOException("corrupt segment " + logPath + ": batch length " + total);
                }
                if (end + total > want) {
                    break;
                }
                end += total;
                count++;
            }
            if (count == 0) {
                end = buf.getInt(0) + 4;
                buf.writerIndex(want).ensureWritable(end - want);
                FileIo.readFully(channel, buf, want, end - want, position + want);
                count = 1;
            }
            buf.writerIndex(end);
            return new ReadResult(buf, index, index + count - 1, truncated);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * Walks the headers from {@code fromIndex} (this segment holds it) up to {@code limitIndex},
     * exclusive; false when the walk stopped early or reached the limit.
     */
    boolean walkFrom(long fromIndex, long limitIndex, HeaderVisitor.Walk walk, ByteBufAllocator allocator)
            throws IOException {
        long at = fromIndex;
        long start = positionOf(fromIndex, allocator);
        try (HeaderWalker walker = new HeaderWalker(channel, start, sizeBytes, HEADER_CHUNK_BYTES, allocator)) {
            while (walker.next()) {
                if (at >= limitIndex || !walk.visit(at, walker)) {
                    return false;
                }
                at++;
            }
        }
        return true;
    }

    /** Visits the headers of batches below {@code limitIndex}; false if the visitor saw the limit. */
    boolean forEachHeader(long limitIndex, HeaderVisitor visitor, ByteBufAllocator allocator) throws IOException {
        long at = baseIndex;
        try (HeaderWalker walker = new HeaderWalker(channel, 0, sizeBytes, HEADER_CHUNK_BYTES, allocator)) {
            while (walker.next()) {
                if (at >= limitIndex) {
                    return false;
                }
                visitor.visit(at, walker);
                at++;
            }
        }
        return true;
    }

    @Override
    protected void deallocate() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + logPath, e);
        }
        if (state.get() == SegmentState.DELETED) {
            try {
                Files.deleteIfExists(indexPath);
                Files.deleteIfExists(logPath);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "deleting " + logPath, e);
            }
        }
    }

    @Override
    public Segment retain() {
        super.retain();
        return this;
    }

    @Override
    public Segment touch(Object hint) {
        return this;
    }

    @Override
    public String toString() {
        return "Segment[" + logPath + ", " + state.get() + ", last " + lastIndex + "]";
    }
}
