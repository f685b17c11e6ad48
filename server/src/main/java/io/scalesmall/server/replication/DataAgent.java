package io.scalesmall.server.replication;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.placement.StreamCatalog.RangeDescriptor;
import io.scalesmall.server.placement.StreamCatalog.StreamDescriptor;
import io.scalesmall.server.storage.RangeLog;
import io.scalesmall.server.storage.StorageFullException;
import io.scalesmall.server.storage.SyncAgent;
import io.scalesmall.server.storage.SyncListener;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The owner of every range on this node and of the write path: it coordinates each batch
 * (checks the producer's sequence, stamps coordinator, sequence and HLC time), appends it to the
 * range's log, keeps it in memory for tail readers, asks the sync agent for a group-commit fsync,
 * and answers each publish as soon as its durability policy holds: in memory once appended,
 * on disk once an fsync covers it.
 *
 * <p>Design note: one thread owns all range state, so none of it is locked. Other threads talk to
 * it only through {@link #execute}: a bounded queue of tasks. Work arrives in bursts; after each
 * burst the agent flushes the acks of every touched connection once, requests one fsync per
 * range that a disk-policy publish waits on (other written ranges are synced within {@link
 * DataAgentConfig#backgroundSyncMs()}) and wakes the readers waiting at the tail with the new
 * batches from memory. With
 * clustering, forwarding to the other replicas plugs in where a batch is appended: their memory
 * and disk acks count towards the same policy.
 *
 * <p>Thread-safe entry points: {@link #execute}, {@link #log}, {@link #catalog}; everything else
 * runs on the agent thread.
 */
public final class DataAgent implements AutoCloseable, SyncListener {
    private static final Logger LOG = Logger.getLogger(DataAgent.class.getName());

    private final DataAgentConfig config;
    private final NodeId nodeId;
    private final StreamCatalog catalog;
    private final LongSupplier clockMs;
    private final Map<RangeKey, RangeReplica> ranges = new ConcurrentHashMap<>();
    private final Map<RangeLog, RangeReplica> byLog = new IdentityHashMap<>();
    private final BlockingQueue<Runnable> tasks;
    private final ArrayDeque<RangeReplica> memoryOrder = new ArrayDeque<>();
    private final List<AckSink> touchedSinks = new ArrayList<>();
    private final List<RangeReplica> touchedRanges = new ArrayList<>();
    private final ArrayDeque<RangeReplica> backgroundSyncs = new ArrayDeque<>();
    private final SyncAgent syncAgent;
    private final Thread thread;
    private final Retention retention;
    private final HybridLogicalClock hlc;
    private long memoryBytes;
    private long nextRetentionMs;
    private volatile boolean running = true;
    private boolean stopped;

    /**
     * Opens (and recovers) every range of every stream in the catalog.
     *
     * @param clockMs wall-clock milliseconds, injected so tests and the simulator control time
     */
    public DataAgent(DataAgentConfig config, NodeId nodeId, StreamCatalog catalog, LongSupplier clockMs)
            throws IOException {
        this.config = config;
        this.nodeId = nodeId;
        this.catalog = catalog;
        this.clockMs = clockMs;
        this.tasks = new ArrayBlockingQueue<>(config.queueCapacity());
        long maxHlc = 0;
        for (StreamDescriptor s : catalog.all()) {
            for (RangeDescriptor r : s.ranges()) {
                RangeReplica replica = openRange(new RangeKey(s.name(), r.rangeId()));
                maxHlc = Math.max(maxHlc, replica.log.lastHlcTime());
            }
        }
        this.hlc = new HybridLogicalClock(maxHlc);
        this.retention = new Retention(config.retention(), catalog, ranges, clockMs);
        this.syncAgent = new SyncAgent("scalesmall-sync", this);
        this.thread = new Thread(this::run, "scalesmall-data");
    }

    /** Starts the agent and sync threads. */
    public void start() {
        syncAgent.start();
        thread.start();
    }

    /** The node this agent stamps batches as. */
    public NodeId nodeId() {
        return nodeId;
    }

    /** The stream catalog (readable from any thread). */
    public StreamCatalog catalog() {
        return catalog;
    }

    /** The log of a range for readers, or null when this node does not hold it. Any thread. */
    public RangeLog log(String stream, int rangeId) {
        RangeReplica r = ranges.get(new RangeKey(stream, rangeId));
        return r == null ? null : r.log;
    }

    /** Every range this node holds, for metrics and metadata. Any thread. */
    public Collection<RangeKey> rangeKeys() {
        return new ArrayList<>(ranges.keySet());
    }

    /**
     * Runs {@code task} on the agent thread.
     *
     * @return false when the queue is full or the agent stopped: the caller answers BUSY
     */
    public boolean execute(Runnable task) {
        return running && tasks.offer(task);
    }

    /**
     * Publishes a compressed, unstamped batch (agent thread; called through {@link #execute}).
     * Takes ownership of {@code batch}.
     */
    public void publish(
            String stream,
            int rangeId,
            ByteBuf batch,
            DurabilityPolicy policy,
            AckSink sink,
            int requestId,
            int inFlightBytes) {
        touch(sink);
        if (stopped) {
            batch.release();
            sink.publishFailed(requestId, inFlightBytes, ErrorCode.SHUTTING_DOWN, "node is stopping");
            return;
        }
        RangeReplica range;
        try {
            range = rangeForWrite(stream, rangeId);
        } catch (IOException e) {
            batch.release();
            LOG.log(Level.WARNING, "cannot open " + stream + "/" + rangeId, e);
            sink.publishFailed(
                    requestId,
                    inFlightBytes,
                    ErrorCode.STORAGE_ERROR,
                    "cannot open " + stream + "/" + rangeId + ": " + e);
            return;
        }
        long producerId = BatchFormat.producerId(batch, 0);
        long producerSeq = BatchFormat.producerSeq(batch, 0);
        int count = BatchFormat.count(batch, 0);
        switch (range.producers.check(producerId, producerSeq, count)) {
            case DUPLICATE -> {
                batch.release();
                acknowledgeDuplicate(range, policy, sink, requestId, inFlightBytes);
                return;
            }
            case OUT_OF_ORDER -> {
                batch.release();
                sink.publishFailed(
                        requestId,
                        inFlightBytes,
                        ErrorCode.OUT_OF_ORDER_SEQUENCE,
                        "producer " + producerId + " sent sequence " + producerSeq + " but " + range.key + " expects "
                                + range.producers.expectedSeq() + "; resend from there");
                return;
            }
            case INVALID -> {
                batch.release();
                sink.publishFailed(
                        requestId,
                        inFlightBytes,
                        ErrorCode.INVALID_SEQUENCE,
                        "producer " + producerId + " sequence " + producerSeq + "+" + count
                                + " overlaps stored messages; next expected is " + range.producers.expectedSeq());
                return;
            }
            case NEW -> {}
        }
        long index = range.log.nextIndex();
        long time = hlc.tick(clockMs.getAsLong());
        BatchFormat.stamp(batch, 0, nodeId, index, time);
        BatchFormat.writeCrc(batch, 0);
        try {
            range.log.append(batch);
        } catch (StorageFullException e) {
            batch.release();
            nextRetentionMs = 0;
            sink.publishFailed(
                    requestId,
                    inFlightBytes,
                    ErrorCode.STORAGE_FULL,
                    "the data volume is full; nothing of this batch was stored, retry when space returns");
            return;
        } catch (IOException e) {
            batch.release();
            LOG.log(Level.WARNING, "append to " + range.key + " failed", e);
            sink.publishFailed(requestId, inFlightBytes, ErrorCode.STORAGE_ERROR, "write failed: " + e.getMessage());
            return;
        }
        range.producers.record(producerId, producerSeq, count, index, time);
        remember(range, index, batch);
        if (!range.appendedSinceNotify) {
            range.appendedSinceNotify = true;
            touchedRanges.add(range);
        }
        if (policy.isMetBy(1, 0)) {
            sink.publishOk(requestId, inFlightBytes, response(range, index, time, false, 0));
        } else {
            range.pendingDisk.addLast(
                    new RangeReplica.PendingAck(index, index, time, false, requestId, inFlightBytes, sink));
        }
    }

    private void acknowledgeDuplicate(
            RangeReplica range, DurabilityPolicy policy, AckSink sink, int requestId, int inFlightBytes) {
        long index = range.producers.foundIndex();
        long time = range.producers.foundHlcTime();
        long durableAt = index > 0 ? index : range.log.nextIndex() - 1;
        boolean durable = durableAt <= range.durableIndex;
        if (policy.isMetBy(1, 0) || durable) {
            sink.publishOk(requestId, inFlightBytes, response(range, index, time, true, durable ? 1 : 0));
        } else {
            range.pendingDisk.addLast(
                    new RangeReplica.PendingAck(durableAt, index, time, true, requestId, inFlightBytes, sink));
            syncAgent.requestSync(range.log);
        }
    }

    private PublishResponse response(RangeReplica range, long index, long time, boolean duplicate, int diskAcks) {
        return new PublishResponse(range.key.rangeId(), nodeId, index, time, duplicate, 1, diskAcks);
    }

    /**
     * Creates a stream with explicit options (agent thread).
     *
     * @return true when created, false when it existed with the same options
     * @throws IllegalStateException when it exists with other options
     */
    public boolean createStream(String name, StreamOptions options) throws IOException {
        StreamDescriptor existing = catalog.get(name);
        if (existing != null) {
            if (!existing.options().equals(options)) {
                throw new IllegalStateException("stream " + name + " exists with options " + existing.options());
            }
            return false;
        }
        StreamDescriptor created = catalog.create(name, options);
        for (RangeDescriptor r : created.ranges()) {
            openRange(new RangeKey(name, r.rangeId()));
        }
        return true;
    }

    /**
     * Registers a reader waiting for the batch at {@code index} (agent thread). Wakes it at once
     * when that batch exists already.
     */
    public void awaitData(String stream, int rangeId, long index, int maxBytes, TailWaiter waiter) {
        RangeReplica range = ranges.get(new RangeKey(stream, rangeId));
        if (range == null || stopped) {
            waiter.onClosed();
            return;
        }
        if (range.log.nextIndex() > index) {
            waiter.onData(index, range.recentFrom(index, maxBytes));
        } else {
            range.waiters.add(new RangeReplica.Waiter(index, maxBytes, waiter));
        }
    }

    /** Removes a waiting reader (agent thread); harmless when it is not waiting. */
    public void cancelWait(String stream, int rangeId, TailWaiter waiter) {
        RangeReplica range = ranges.get(new RangeKey(stream, rangeId));
        if (range != null) {
            range.waiters.removeIf(w -> w.waiter() == waiter);
        }
    }

    private RangeReplica rangeForWrite(String stream, int rangeId) throws IOException {
        RangeKey key = new RangeKey(stream, rangeId);
        RangeReplica range = ranges.get(key);
        if (range != null) {
            return range;
        }
        StreamDescriptor descriptor = catalog.get(stream);
        if (descriptor == null) {
            createStream(stream, config.defaultStreamOptions());
            range = ranges.get(key);
        } else if (descriptor.range(rangeId) != null) {
            range = openRange(key);
        }
        if (range == null) {
            throw new IOException("range " + rangeId + " of " + stream + " is not on this node");
        }
        return range;
    }

    private RangeReplica openRange(RangeKey key) throws IOException {
        RangeLog log = RangeLog.open(catalog.rangeDir(key.stream(), key.rangeId()), config.storage());
        RangeReplica replica = new RangeReplica(key, log);
        log.forEachBatchHeader((index, producerId, producerSeq, count, hlcTime) ->
                replica.producers.record(producerId, producerSeq, count, index, hlcTime));
        replica.producers.expire(clockMs.getAsLong() - config.producerExpiryMs());
        ranges.put(key, replica);
        byLog.put(log, replica);
        return replica;
    }

    private void remember(RangeReplica range, long index, ByteBuf batch) {
        if (config.memoryTailBytes() <= 0) {
            batch.release();
            return;
        }
        range.remember(index, batch);
        memoryOrder.addLast(range);
        memoryBytes += batch.readableBytes();
        while (memoryBytes > config.memoryTailBytes() && !memoryOrder.isEmpty()) {
            memoryBytes -= memoryOrder.pollFirst().forgetOldest();
        }
    }

    private void touch(AckSink sink) {
        if (!touchedSinks.contains(sink)) {
            touchedSinks.add(sink);
        }
    }

    @Override
    public void onDurable(RangeLog log, long durableIndex) {
        if (!execute(() -> completeDurable(log, durableIndex))) {
            LOG.fine("agent stopped before a sync completion was delivered");
        }
    }

    @Override
    public void onSyncFailed(RangeLog log, Exception error) {
        execute(() -> failPendingDisk(log, error));
    }

    private RangeReplica replicaOf(RangeLog log) {
        return byLog.get(log);
    }

    private void completeDurable(RangeLog log, long durableIndex) {
        RangeReplica range = replicaOf(log);
        if (range == null) {
            return;
        }
        range.durableIndex = Math.max(range.durableIndex, durableIndex);
        while (!range.pendingDisk.isEmpty() && range.pendingDisk.peekFirst().durableAt() <= range.durableIndex) {
            RangeReplica.PendingAck p = range.pendingDisk.pollFirst();
            touch(p.sink());
            p.sink()
                    .publishOk(
                            p.requestId(),
                            p.inFlightBytes(),
                            response(range, p.index(), p.hlcTime(), p.duplicate(), 1));
        }
        if (!stopped && log.nextIndex() - 1 > range.durableIndex) {
            requestSync(range);
        }
    }

    /**
     * Has the range's appended batches fsynced: at once when a publish waits for it (or syncs are
     * not deferred), else within {@link DataAgentConfig#backgroundSyncMs()}.
     */
    private void requestSync(RangeReplica range) {
        if (!range.pendingDisk.isEmpty() || config.backgroundSyncMs() == 0) {
            syncAgent.requestSync(range.log);
        } else if (!range.backgroundSyncQueued) {
            range.backgroundSyncQueued = true;
            range.backgroundSyncDueMs = clockMs.getAsLong() + config.backgroundSyncMs();
            backgroundSyncs.addLast(range);
        }
    }

    /** Requests the background syncs that are due; entries are queued in due order. */
    private void maybeRunBackgroundSyncs(long nowMs) {
        RangeReplica range;
        while ((range = backgroundSyncs.peekFirst()) != null && isDue(range, nowMs)) {
            backgroundSyncs.pollFirst();
            range.backgroundSyncQueued = false;
            if (!stopped && ranges.get(range.key) == range && range.log.nextIndex() - 1 > range.durableIndex) {
                syncAgent.requestSync(range.log);
            }
        }
    }

    private boolean isDue(RangeReplica range, long nowMs) {
        long left = range.backgroundSyncDueMs - nowMs;
        // A wall clock stepped back must not hold the sync beyond its interval.
        return left <= 0 || left > config.backgroundSyncMs();
    }

    /** How long the agent may wait for work before a timer of its own is due. */
    private long pollTimeoutMs() {
        RangeReplica next = backgroundSyncs.peekFirst();
        if (next == null) {
            return config.idlePollMs();
        }
        long left = next.backgroundSyncDueMs - clockMs.getAsLong();
        return Math.max(0, Math.min(config.idlePollMs(), Math.min(left, config.backgroundSyncMs())));
    }

    private void failPendingDisk(RangeLog log, Exception error) {
        RangeReplica range = replicaOf(log);
        if (range == null) {
            return;
        }
        LOG.log(Level.SEVERE, "fsync of " + range.key + " failed; reopening its log", error);
        boolean full = error instanceof StorageFullException;
        while (!range.pendingDisk.isEmpty()) {
            RangeReplica.PendingAck p = range.pendingDisk.pollFirst();
            touch(p.sink());
            p.sink()
                    .publishFailed(
                            p.requestId(),
                            p.inFlightBytes(),
                            full ? ErrorCode.STORAGE_FULL : ErrorCode.STORAGE_ERROR,
                            "fsync failed: " + error.getMessage());
        }
        if (!stopped) {
            reopen(range);
        }
    }

    /**
     * Closes a range log whose fsync failed and opens it again: after a failed fsync the kernel may
     * have dropped unwritten pages, so only what recovery finds on disk is trusted. Readers of the
     * old log get an error and resubscribe from their cursor; waiting readers move to the new one.
     * If the log cannot be opened now, the range is dropped and the next publish retries.
     */
    private void reopen(RangeReplica old) {
        ranges.remove(old.key);
        byLog.remove(old.log);
        memoryBytes -= old.forgetAll();
        try {
            old.log.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing " + old.key + " after a failed fsync", e);
        }
        try {
            RangeReplica fresh = openRange(old.key);
            fresh.waiters.addAll(old.waiters);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "cannot reopen " + old.key + "; the next publish will retry", e);
            for (RangeReplica.Waiter w : old.waiters) {
                w.waiter().onClosed();
            }
        }
        old.waiters.clear();
    }

    private void run() {
        List<Runnable> burst = new ArrayList<>(256);
        while (running) {
            try {
                Runnable first = tasks.poll(pollTimeoutMs(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    runSafely(first);
                    burst.clear();
                    tasks.drainTo(burst, 255);
                    for (Runnable r : burst) {
                        runSafely(r);
                    }
                }
                endOfBurst();
                maybeRunBackgroundSyncs(clockMs.getAsLong());
                maybeRunRetention();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void runSafely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "data agent task failed", e);
        }
    }

    private void endOfBurst() {
        for (RangeReplica range : touchedRanges) {
            range.appendedSinceNotify = false;
            requestSync(range);
            if (!range.waiters.isEmpty()) {
                List<RangeReplica.Waiter> waiting = new ArrayList<>(range.waiters);
                range.waiters.clear();
                for (RangeReplica.Waiter w : waiting) {
                    if (range.log.nextIndex() > w.index()) {
                        w.waiter().onData(w.index(), range.recentFrom(w.index(), w.maxBytes()));
                    } else {
                        range.waiters.add(w);
                    }
                }
            }
        }
        touchedRanges.clear();
        for (AckSink sink : touchedSinks) {
            sink.flush();
        }
        touchedSinks.clear();
    }

    private void maybeRunRetention() {
        long now = clockMs.getAsLong();
        if (now < nextRetentionMs) {
            return;
        }
        nextRetentionMs = now + config.retention().checkIntervalMs();
        retention.run();
    }

    /** Stops the agent: fsyncs every range, acknowledges what the fsync covers, closes the logs. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        CountDownLatch drained = new CountDownLatch(1);
        if (!tasks.offer(drained::countDown)) {
            drained.countDown();
        }
        try {
            drained.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
        syncAgent.close();
        Runnable leftover;
        while ((leftover = tasks.poll()) != null) {
            runSafely(leftover);
        }
        for (RangeReplica range : ranges.values()) {
            try {
                completeDurable(range.log, range.log.sync());
            } catch (IOException e) {
                failPendingDisk(range.log, e);
            }
            for (RangeReplica.PendingAck p : range.pendingDisk) {
                touch(p.sink());
                p.sink().publishFailed(p.requestId(), p.inFlightBytes(), ErrorCode.SHUTTING_DOWN, "node is stopping");
            }
            range.pendingDisk.clear();
            for (RangeReplica.Waiter w : range.waiters) {
                w.waiter().onClosed();
            }
            range.waiters.clear();
            memoryBytes -= range.forgetAll();
            try {
                range.log.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing " + range.key, e);
            }
        }
        for (AckSink sink : touchedSinks) {
            sink.flush();
        }
        touchedSinks.clear();
    }
}
