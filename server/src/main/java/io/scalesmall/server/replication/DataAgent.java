package io.scalesmall.server.replication;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.PullRequest;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.protocol.ReplicateHeader;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.server.cluster.HybridLogicalClock;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.placement.RangeDirectory;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.storage.RangeLog;
import io.scalesmall.server.storage.StorageFullException;
import io.scalesmall.server.storage.SyncAgent;
import io.scalesmall.server.storage.SyncListener;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The owner of every range replica on this node and of the write path across replicas. As a
 * <i>coordinator</i> it takes a client's batch (checks the producer's sequence, stamps it with
 * this node, this node's next sequence in the range and an HLC time), appends it, keeps it in
 * memory for tail readers and forwards it to the range's other replicas. As a <i>replica</i> it
 * appends the batches other nodes forward or it pulls, each coordinator's in sequence order. Every
 * replica reports its progress (per coordinator: held in memory, fsynced) to the others; a
 * publish is answered as soon as the replicas whose progress covers its batch meet its policy.
 *
 * <p>Design note: one thread owns all range state, so none of it is locked. Other threads talk to
 * it only through {@link #execute}: a bounded queue of tasks. Work arrives in bursts; after each
 * burst the agent asks for the fsyncs the burst needs (at once when a disk-policy publish or a
 * forwarded batch waits, within {@link DataAgentConfig#backgroundSyncMs()} otherwise), sends each
 * changed range's progress, answers the publishes whose policy now holds, writes every touched
 * connection's acks once and wakes the readers waiting at the tail. Repair runs on the same
 * thread every {@link DataAgentConfig#repairIntervalMs()}: progress heartbeats, pulls of what
 * other replicas hold and this one lacks, and NOT_ENOUGH_REPLICAS for publishes past their
 * deadline.
 *
 * <p>Thread-safe entry points: {@link #execute}, {@link #log}, {@link #rangeKeys}, {@link
 * #catalog}; everything else runs on the agent thread.
 */
public final class DataAgent implements AutoCloseable, SyncListener {
    private static final Logger LOG = Logger.getLogger(DataAgent.class.getName());
    private static final int PULL_READ_CHUNK_BYTES = 1 << 20;

    private final DataAgentConfig config;
    private final NodeId nodeId;
    private final StreamCatalog catalog;
    private final RangeDirectory directory;
    private final PeerSender peers;
    private final LongSupplier clockMs;
    private final HybridLogicalClock hlc;
    private final Map<RangeKey, RangeReplica> ranges = new ConcurrentHashMap<>();
    /** Keyed by identity: a log does not override equals. */
    private final Map<RangeLog, RangeReplica> byLog = new ConcurrentHashMap<>();

    private final BlockingQueue<Runnable> tasks;
    private final ArrayDeque<RangeReplica> memoryOrder = new ArrayDeque<>();
    private final List<AckSink> touchedSinks = new ArrayList<>();
    private final List<RangeReplica> touchedRanges = new ArrayList<>();
    private final Set<RangeReplica> toEvaluate = new LinkedHashSet<>();
    private final Set<RangeReplica> forwardedTo = new LinkedHashSet<>();
    private final Set<RangeReplica> reportDue = new LinkedHashSet<>();
    private final ArrayDeque<RangeReplica> backgroundSyncs = new ArrayDeque<>();
    private final SyncAgent syncAgent;
    private final Thread thread;
    private final Retention retention;
    private long memoryBytes;
    private final DataStats stats = new DataStats();
    private long nextRetentionMs;
    /** Bytes the fill pulls of sealed ranges may still ask for (a token bucket). */
    private long fillTokens;

    private long fillRefilledMs;
    private long nextRepairMs;
    private volatile boolean running = true;
    private boolean stopped;

    /**
     * Opens (and recovers) every range the catalog holds.
     *
     * @param directory which ranges this node holds and which members are live (placement)
     * @param peers where frames for other nodes go
     * @param hlc the node's hybrid logical clock (moved past every time recovered)
     * @param clockMs wall-clock milliseconds, injected so tests and the simulator control time
     */
    public DataAgent(
            DataAgentConfig config,
            NodeId nodeId,
            StreamCatalog catalog,
            RangeDirectory directory,
            PeerSender peers,
            HybridLogicalClock hlc,
            LongSupplier clockMs)
            throws IOException {
        this.config = config;
        this.nodeId = nodeId;
        this.catalog = catalog;
        this.directory = directory;
        this.peers = peers;
        this.hlc = hlc;
        this.clockMs = clockMs;
        this.tasks = new ArrayBlockingQueue<>(config.queueCapacity());
        for (RangeClaim claim : catalog.ranges()) {
            openRange(claim);
        }
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

    /** What the data path counted (any thread). */
    public DataStats stats() {
        return stats;
    }

    /** What this node holds (readable from any thread). */
    public StreamCatalog catalog() {
        return catalog;
    }

    /**
     * The log of a range for readers, opening it when this node holds the range but has not opened
     * it yet; null when this node does not hold it. Any thread.
     */
    public RangeLog log(String stream, int rangeId) throws IOException {
        RangeReplica r = ranges.get(new RangeKey(stream, rangeId));
        if (r != null) {
            return r.log;
        }
        RangeClaim claim = directory.held(stream, rangeId);
        return claim == null ? null : replica(claim).log;
    }

    /** The log of a range if it is open, else null; never opens. Any thread. */
    public RangeLog openLog(String stream, int rangeId) {
        RangeReplica r = ranges.get(new RangeKey(stream, rangeId));
        return r == null ? null : r.log;
    }

    /** Every range this node has open, for metrics and metadata. Any thread. */
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

    // ---- coordinator: a client's batch

    /**
     * Publishes a compressed, unstamped batch as its coordinator (agent thread; called through
     * {@link #execute}). Takes ownership of {@code batch}.
     */
    public void publish(
            String stream,
            int rangeId,
            ByteBuf batch,
            DurabilityPolicy policy,
            AckSink sink,
            int requestId,
            int inFlightBytes,
            long receivedNanos) {
        touch(sink);
        String refusal = null;
        ErrorCode code = null;
        RangeClaim claim = directory.held(stream, rangeId);
        if (stopped) {
            code = ErrorCode.SHUTTING_DOWN;
            refusal = "node is stopping";
        } else if (claim == null) {
            code = ErrorCode.NOT_A_REPLICA;
            refusal = "range " + rangeId + " of " + stream + " is not held by this node; refresh the metadata";
        } else if (policy.replicasNeeded() > claim.replicas().size()) {
            code = ErrorCode.POLICY_NOT_SATISFIABLE;
            refusal = "durability policy " + policy + " needs " + policy.replicasNeeded() + " replicas but range "
                    + rangeId + " of " + stream + " has " + claim.replicas().size();
        } else {
            int live = liveReplicas(claim);
            if (policy.replicasNeeded() > live) {
                code = ErrorCode.NOT_ENOUGH_REPLICAS;
                refusal = "durability policy " + policy + " needs " + policy.replicasNeeded() + " replicas but only "
                        + live + " of the " + claim.replicas().size() + " replicas of " + stream + "/" + rangeId
                        + " are live; nothing was stored";
            }
        }
        if (refusal != null) {
            batch.release();
            if (code == ErrorCode.NOT_A_REPLICA) {
                sink.publishMisrouted(requestId, inFlightBytes, code, refusal, stream);
            } else {
                sink.publishFailed(requestId, inFlightBytes, code, refusal);
            }
            return;
        }
        RangeReplica range;
        try {
            range = replica(claim);
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
        if (range.refused(producerId, producerSeq)) {
            // Refused before, and moved by the producer: a copy stored here (stamped by a node cut
            // off at the time) does not count, so this is no duplicate to acknowledge.
            batch.release();
            sink.publishMisrouted(
                    requestId,
                    inFlightBytes,
                    ErrorCode.RANGE_SEALED,
                    "range " + rangeId + " of " + stream + " refused this batch before; nothing of it is stored here",
                    stream);
            return;
        }
        ProducerTable.Verdict verdict = range.producers.check(producerId, producerSeq, count);
        if (verdict == ProducerTable.Verdict.DUPLICATE) {
            batch.release();
            acknowledgeDuplicate(range, policy, sink, requestId, inFlightBytes, receivedNanos);
            return;
        }
        if (claim.sealed() && !settled(range)) {
            // The batch may still reach this replica from another one (its first coordinator may
            // have stored it): only once the range is settled is "not here" "nowhere".
            batch.release();
            sink.publishFailed(
                    requestId,
                    inFlightBytes,
                    ErrorCode.BUSY,
                    "range " + rangeId + " of " + stream + " is being sealed by a placement change; retry");
            return;
        }
        if (claim.sealed()) {
            // Checked after the duplicates: a retry of a stored batch is acknowledged, and only a
            // batch refused here is certainly not stored, so the client may move it elsewhere.
            batch.release();
            // A batch overlapping stored messages (INVALID) voids nothing: those are stored.
            ErrorCode notRefused =
                    verdict == ProducerTable.Verdict.INVALID ? null : refuse(range, producerId, producerSeq, count);
            if (notRefused != null) {
                sink.publishFailed(
                        requestId,
                        inFlightBytes,
                        notRefused,
                        "range " + rangeId + " of " + stream + " is sealed, but its refusal of this batch could not be"
                                + " stored; retry");
                return;
            }
            // Answered once the marker is on disk on a holder (this one, or one it was copied
            // to): a refusal forgotten in a crash would let a copy of the batch count again.
            PendingPublish refused = new PendingPublish(
                    nodeId,
                    range.coordinators.lastSeq(nodeId),
                    0,
                    false,
                    DurabilityPolicy.DISK_1,
                    sink,
                    requestId,
                    inFlightBytes,
                    clockMs.getAsLong() + config.replicationTimeoutMs(),
                    receivedNanos,
                    "range " + rangeId + " of " + stream
                            + " was replaced by a placement change or split and takes no new writes; nothing of"
                            + " this batch was stored");
            if (!answerIfMet(range, refused)) {
                range.pending.addLast(refused);
            }
            return;
        }
        switch (verdict) {
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
            default -> {}
        }
        long seq = range.coordinators.lastSeq(nodeId) + 1;
        long time = hlc.tick(clockMs.getAsLong());
        BatchFormat.stamp(batch, 0, nodeId, seq, time);
        BatchFormat.writeCrc(batch, 0);
        long index;
        try {
            index = range.log.append(batch);
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
        range.appended(nodeId, seq, index, false);
        range.traffic.published(count, inFlightBytes);
        reportDue.add(range);
        range.producers.record(producerId, producerSeq, count, index, time, nodeId, seq);
        forward(range, batch);
        remember(range, index, batch);
        noteAppend(range);
        PendingPublish p = new PendingPublish(
                nodeId,
                seq,
                time,
                false,
                policy,
                sink,
                requestId,
                inFlightBytes,
                clockMs.getAsLong() + config.replicationTimeoutMs(),
                receivedNanos,
                null);
        if (!answerIfMet(range, p)) {
            range.pending.addLast(p);
        }
    }

    /**
     * Makes a producer's batch void in a sealed, settled range before it is told RANGE_SEALED (and
     * moves the batch to the successor): no live holder has it, but a holder cut off from the
     * others may, and repair would bring that copy back after the partition healed. A refusal
     * marker in the log tells every holder, now and after restarts.
     *
     * @return null once refused, else the error to answer (the marker could not be stored)
     */
    private ErrorCode refuse(RangeReplica range, long producerId, long producerSeq, int count) {
        ByteBuf marker = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(BatchFormat.HEADER_BYTES);
        BatchFormat.writeRefusalMarker(marker, producerId, producerSeq, count, clockMs.getAsLong());
        long seq = range.coordinators.lastSeq(nodeId) + 1;
        BatchFormat.stamp(marker, 0, nodeId, seq, hlc.tick(clockMs.getAsLong()));
        BatchFormat.writeCrc(marker, 0);
        long index;
        try {
            index = range.log.append(marker);
        } catch (IOException e) {
            marker.release();
            if (e instanceof StorageFullException) {
                nextRetentionMs = 0;
                return ErrorCode.STORAGE_FULL;
            }
            LOG.log(Level.WARNING, "cannot store a refusal in " + range.key, e);
            return ErrorCode.BUSY;
        }
        range.appended(nodeId, seq, index, false);
        range.recordRefusal(producerId, producerSeq, count);
        LOG.fine(() -> range.key + " refused producer " + Long.toHexString(producerId) + " from " + producerSeq);
        reportDue.add(range);
        forward(range, marker);
        remember(range, index, marker);
        noteAppend(range);
        return null;
    }

    /** The producer spans void in a range (refused as sealed), for readers, which skip them. Any thread. */
    public Refusals refusals(String stream, int rangeId) {
        RangeReplica r = ranges.get(new RangeKey(stream, rangeId));
        return r == null ? Refusals.NONE : r.refusals;
    }

    private int liveReplicas(RangeClaim claim) {
        int live = 0;
        for (NodeId replica : claim.replicas()) {
            if (replica.equals(nodeId) || directory.isLive(replica)) {
                live++;
            }
        }
        return live;
    }

    private void acknowledgeDuplicate(
            RangeReplica range,
            DurabilityPolicy policy,
            AckSink sink,
            int requestId,
            int inFlightBytes,
            long receivedNanos) {
        NodeId coordinator = range.producers.foundCoordinator();
        if (coordinator == null) {
            // Too old to locate: stored long ago, so durable and replicated by now.
            sink.publishOk(
                    requestId,
                    inFlightBytes,
                    new PublishResponse(range.key.rangeId(), nodeId, 0, range.producers.foundHlcTime(), true, 1, 1),
                    policy,
                    receivedNanos);
            return;
        }
        PendingPublish p = new PendingPublish(
                coordinator,
                range.producers.foundBatchSeq(),
                range.producers.foundHlcTime(),
                true,
                policy,
                sink,
                requestId,
                inFlightBytes,
                clockMs.getAsLong() + config.replicationTimeoutMs(),
                receivedNanos,
                null);
        if (!answerIfMet(range, p)) {
            range.pending.addLast(p);
            syncAgent.requestSync(range.log);
        }
    }

    /** Answers {@code p} if its policy holds now; true when answered. */
    private boolean answerIfMet(RangeReplica range, PendingPublish p) {
        int memory = range.memoryCopies(nodeId, p.coordinator(), p.seq());
        int disk = range.diskCopies(nodeId, p.coordinator(), p.seq());
        if (!p.policy().isMetBy(memory, disk)) {
            return false;
        }
        touch(p.sink());
        if (p.sealedRefusal() != null) {
            p.sink()
                    .publishMisrouted(
                            p.requestId(),
                            p.inFlightBytes(),
                            ErrorCode.RANGE_SEALED,
                            p.sealedRefusal(),
                            range.key.stream());
            return true;
        }
        p.sink()
                .publishOk(
                        p.requestId(),
                        p.inFlightBytes(),
                        new PublishResponse(
                                range.key.rangeId(),
                                p.coordinator(),
                                p.seq(),
                                p.hlcTime(),
                                p.duplicate(),
                                memory,
                                disk),
                        p.policy(),
                        p.receivedNanos());
        return true;
    }

    private void evaluate(RangeReplica range) {
        for (Iterator<PendingPublish> it = range.pending.iterator(); it.hasNext(); ) {
            if (answerIfMet(range, it.next())) {
                it.remove();
            }
        }
    }

    /** Sends a just-stamped batch to the range's other replicas. */
    private void forward(RangeReplica range, ByteBuf batch) {
        for (NodeId replica : range.descriptor.replicas()) {
            if (!replica.equals(nodeId)) {
                peers.replicate(replica, range.descriptor, batch.retainedDuplicate());
            }
        }
    }

    // ---- replica: batches from another node

    /**
     * Appends the batches a peer sent (forwarded or answering a pull), each coordinator's in
     * sequence order; asks the sender for what is missing before a gap. Takes ownership of {@code
     * batches} (agent thread).
     */
    public void replicate(ReplicateHeader header, ByteBuf batches) {
        try {
            RangeReplica range = replicaFor(header.range());
            if (range == null) {
                return;
            }
            int at = batches.readerIndex();
            int end = batches.writerIndex();
            int stored = 0;
            boolean pulled = false;
            java.util.Set<NodeId> blocked = null;
            while (at < end) {
                String bad = BatchFormat.checkHeader(batches, at, end - at);
                if (bad != null || !BatchFormat.isCrcValid(batches, at)) {
                    LOG.warning("dropped replicated batches of " + range.key + " from " + header.from() + ": "
                            + (bad != null ? bad : "CRC mismatch"));
                    return;
                }
                int total = BatchFormat.totalBytes(batches, at);
                NodeId coordinator = BatchFormat.coordinator(batches, at);
                long seq = BatchFormat.batchSeq(batches, at);
                long last = range.coordinators.lastSeq(coordinator);
                if (blocked != null && blocked.contains(coordinator)) {
                    at += total;
                    continue;
                }
                long next = seq > last + 1 ? nextWanted(range, coordinator) : last + 1;
                if (seq == next) {
                    Appended result = appendReplicated(range, batches.retainedSlice(at, total), coordinator, seq);
                    if (result == Appended.FAILED) {
                        return;
                    }
                    stored += result == Appended.STORED ? 1 : 0;
                    if (result == Appended.PRODUCER_GAP) {
                        // This coordinator's later batches wait too; the missing ones are pulled.
                        if (blocked == null) {
                            blocked = new java.util.HashSet<>();
                        }
                        blocked.add(coordinator);
                        pullWhatOthersHold(range);
                    }
                } else if (seq > next && !pulled) {
                    NodeId source = range.sourceFor(coordinator, next, directory::isLive);
                    pulled = requestPull(range, source == null ? header.from() : source, coordinator, next, true);
                }
                at += total;
            }
            continueFilling(range, stored);
        } finally {
            batches.release();
        }
    }

    /** The open replica of a range a peer sends; adopts it when it names this node. */
    private RangeReplica replicaFor(RangeDescriptor d) {
        RangeClaim claim = directory.held(d.stream(), d.rangeId());
        try {
            if (claim == null) {
                if (!d.replicas().contains(nodeId)) {
                    LOG.fine(() -> "ignored batches of " + d.stream() + "/" + d.rangeId() + ", not a replica");
                    return null;
                }
                claim = directory.adopt(d);
            }
            return replica(claim);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot take range " + d.stream() + "/" + d.rangeId(), e);
            return null;
        }
    }

    /** Outcome of {@link #appendReplicated}. */
    private enum Appended {
        STORED,
        /** The producer's earlier messages are missing here: they must come first. */
        PRODUCER_GAP,
        FAILED
    }

    /**
     * Appends one replicated batch (owns {@code batch}). A replica keeps each producer's messages
     * in order, as coordinators do: a batch whose producer sequence is ahead of what this replica
     * holds waits until the missing batches (stamped by another coordinator, which the replica
     * pulls) are here. A batch holding messages already stored here is kept flagged as a
     * duplicate, so its coordinator's sequence has no hole; a batch flagged elsewhere is kept as
     * it is and does not count as holding its messages.
     */
    private Appended appendReplicated(RangeReplica range, ByteBuf batch, NodeId coordinator, long seq) {
        long producerId = BatchFormat.producerId(batch, 0);
        long producerSeq = BatchFormat.producerSeq(batch, 0);
        int count = BatchFormat.count(batch, 0);
        boolean flagged = BatchFormat.isDuplicate(batch, 0);
        boolean refusal = BatchFormat.isRefusal(batch, 0);
        if (!flagged && range.refused(producerId, producerSeq)) {
            // Refused here as sealed, so its messages went to the successor: it holds none here.
            BatchFormat.markDuplicate(batch, 0);
            BatchFormat.writeCrc(batch, 0);
            flagged = true;
        }
        if (!flagged) {
            switch (range.producers.check(producerId, producerSeq, count)) {
                case NEW -> {}
                case DUPLICATE, INVALID -> {
                    BatchFormat.markDuplicate(batch, 0);
                    BatchFormat.writeCrc(batch, 0);
                    flagged = true;
                }
                case OUT_OF_ORDER -> {
                    // Messages refused as sealed between the last stored and this one are no gap.
                    if (!range.refusals.coversGap(producerId, range.producers.expectedSeq(), producerSeq)) {
                        batch.release();
                        return Appended.PRODUCER_GAP;
                    }
                }
            }
        }
        long time = BatchFormat.hlcTime(batch, 0);
        hlc.observe(time);
        long index;
        try {
            index = range.log.append(batch);
        } catch (IOException e) {
            batch.release();
            LOG.log(Level.WARNING, "append of a replicated batch to " + range.key + " failed", e);
            if (e instanceof StorageFullException) {
                nextRetentionMs = 0;
            }
            return Appended.FAILED;
        }
        range.appended(coordinator, seq, index, false);
        reportDue.add(range);
        if (refusal) {
            range.recordRefusal(producerId, producerSeq, count);
        }
        if (!flagged) {
            range.producers.record(producerId, producerSeq, count, index, time, coordinator, seq);
        }
        range.pullsInFlight.remove(coordinator);
        remember(range, index, batch);
        noteAppend(range);
        forwardedTo.add(range);
        toEvaluate.add(range);
        return Appended.STORED;
    }

    /**
     * For a sealed range that lacks batches other holders have (a restored copy, or a replica back
     * from an absence): asks for the next ones as soon as a pull is answered, instead of once per
     * repair interval, within {@link DataAgentConfig#repairBytesPerSecond()} across the node.
     * {@code stored}: the batches the answer just added, counted for the progress log.
     */
    private void continueFilling(RangeReplica range, int stored) {
        if (!isSealedHere(range)) {
            return;
        }
        range.filledBatches += stored;
        long now = clockMs.getAsLong();
        long rate = config.repairBytesPerSecond();
        long capacity = Math.max(rate, config.repairPullBytes());
        long elapsed = now - fillRefilledMs;
        if (elapsed >= 1000) {
            fillTokens = capacity;
            fillRefilledMs = now;
        } else if (elapsed > 0) {
            long added = elapsed * rate / 1000;
            if (added > 0) {
                // Only the time credited moves on, so a slow rate still accumulates.
                fillTokens = Math.min(capacity, fillTokens + added);
                fillRefilledMs += added * 1000 / rate;
            }
        }
        for (NodeId coordinator : range.knownCoordinators()) {
            if (fillTokens < config.repairPullBytes()) {
                return;
            }
            long from = nextWanted(range, coordinator);
            NodeId ahead = range.sourceFor(coordinator, from, directory::isLive);
            if (ahead != null
                    && !range.pullsInFlight.containsKey(coordinator)
                    && requestPull(range, ahead, coordinator, from, true)) {
                fillTokens -= config.repairPullBytes();
            }
        }
    }

    /** Pulls, now, every coordinator's batches some live replica holds and this one lacks. */
    private void pullWhatOthersHold(RangeReplica range) {
        for (NodeId coordinator : range.knownCoordinators()) {
            long from = nextWanted(range, coordinator);
            NodeId ahead = range.sourceFor(coordinator, from, directory::isLive);
            if (ahead != null) {
                requestPull(range, ahead, coordinator, from, true);
            }
        }
    }

    /**
     * The next sequence of {@code coordinator} this replica should get: see {@link
     * RangeReplica#nextWanted}; the other holders' reports count when they arrived within four
     * repair intervals.
     */
    private long nextWanted(RangeReplica range, NodeId coordinator) {
        List<NodeId> live = new ArrayList<>();
        for (NodeId holder : directory.holders(range.key.stream(), range.key.rangeId())) {
            if (directory.isLive(holder)) {
                live.add(holder);
            }
        }
        return range.nextWanted(coordinator, nodeId, live, clockMs.getAsLong(), 4 * config.repairIntervalMs());
    }

    /** Asks {@code peer} for a coordinator's batches from {@code fromSeq}; one pull at a time. */
    private boolean requestPull(RangeReplica range, NodeId peer, NodeId coordinator, long fromSeq, boolean urgent) {
        long now = clockMs.getAsLong();
        Long askedAt = range.pullsInFlight.get(coordinator);
        if (askedAt != null && !urgent && now - askedAt < 4 * config.repairIntervalMs()) {
            return false;
        }
        if (askedAt != null && urgent && now - askedAt < config.repairIntervalMs()) {
            return false;
        }
        range.pullsInFlight.put(coordinator, now);
        peers.pull(
                peer,
                new PullRequest(
                        range.key.stream(),
                        range.key.rangeId(),
                        nodeId,
                        coordinator,
                        fromSeq,
                        config.repairPullBytes()));
        return true;
    }

    /** Another replica's progress (agent thread). */
    public void progress(ProgressReport report) {
        RangeClaim claim = directory.held(report.stream(), report.rangeId());
        if (claim == null) {
            return;
        }
        RangeReplica range;
        try {
            range = replica(claim);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot open " + report.stream() + "/" + report.rangeId(), e);
            return;
        }
        range.peerReported(report, clockMs.getAsLong());
        toEvaluate.add(range);
    }

    /** Sends a peer the batches it asked for (agent thread). */
    public void pull(PullRequest request) {
        RangeClaim claim = directory.held(request.stream(), request.rangeId());
        if (claim == null) {
            return;
        }
        try {
            RangeReplica range = replica(claim);
            ByteBuf out = collect(range, request.coordinator(), request.fromSeq(), request.maxBytes());
            if (out != null) {
                peers.replicate(request.from(), range.descriptor, out);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot serve a pull of " + request.stream() + "/" + request.rangeId(), e);
        }
    }

    /**
     * The stored batches of {@code coordinator} from {@code fromSeq} on, in sequence order, up to
     * about {@code maxBytes} (at least one); null when this replica holds none of them.
     */
    private ByteBuf collect(RangeReplica range, NodeId coordinator, long fromSeq, int maxBytes) throws IOException {
        long last = range.coordinators.lastSeq(coordinator);
        long first = Math.max(fromSeq, range.coordinators.firstSeq(coordinator));
        if (last < first) {
            return null;
        }
        ByteBuf out = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer();
        long expected = first;
        long index = Math.max(range.coordinators.floorIndex(coordinator, first), range.log.firstIndex());
        try {
            while (expected <= last && out.readableBytes() < maxBytes && index < range.log.nextIndex()) {
                var read = range.log.read(index, PULL_READ_CHUNK_BYTES);
                try {
                    if (read.isEmpty()) {
                        break;
                    }
                    ByteBuf buf = read.batches();
                    int at = buf.readerIndex();
                    while (at < buf.writerIndex() && expected <= last && out.readableBytes() < maxBytes) {
                        int total = BatchFormat.totalBytes(buf, at);
                        if (BatchFormat.batchSeq(buf, at) == expected
                                && BatchFormat.coordinator(buf, at).equals(coordinator)) {
                            out.writeBytes(buf, at, total);
                            expected++;
                        }
                        at += total;
                    }
                    index = read.lastIndex() + 1;
                } finally {
                    read.release();
                }
            }
        } catch (IOException | RuntimeException e) {
            out.release();
            throw e;
        }
        if (expected == first) {
            out.release();
            return null;
        }
        return out;
    }

    // ---- readers

    /**
     * Registers a reader waiting for the batch at {@code index} (agent thread). Wakes it at once
     * when that batch exists already.
     */
    public void awaitData(String stream, int rangeId, long index, int maxBytes, TailWaiter waiter) {
        RangeReplica range = ranges.get(new RangeKey(stream, rangeId));
        if (!answerNow(range, index, maxBytes, waiter)) {
            range.waiters.add(new RangeReplica.Waiter(index, maxBytes, waiter));
        }
    }

    /**
     * Like {@link #awaitData}, for a reader that does not wait: when the batch at {@code index}
     * does not exist yet and the range has not ended, the reader is told {@link
     * TailWaiter#onNoData} at once (agent thread).
     */
    public void pollData(String stream, int rangeId, long index, int maxBytes, TailWaiter waiter) {
        if (!answerNow(ranges.get(new RangeKey(stream, rangeId)), index, maxBytes, waiter)) {
            waiter.onNoData();
        }
    }

    /**
     * Tells a reader at once what there is at {@code index}: closed, data, or the range's end;
     * false when the batch does not exist yet and the range has not ended.
     */
    private boolean answerNow(RangeReplica range, long index, int maxBytes, TailWaiter waiter) {
        if (range == null || stopped) {
            waiter.onClosed();
        } else if (range.log.nextIndex() > index) {
            waiter.onData(index, range.recentFrom(index, maxBytes));
        } else if (settled(range)) {
            waiter.onEnded();
        } else {
            return false;
        }
        return true;
    }

    /**
     * Whether a range is sealed and no batch of it exists that this replica lacks: this node
     * sealed it, and every live holder reported it sealed and holds nothing more than this replica
     * (a batch a coordinator stamped before sealing is in its sealed report, so it is here too).
     */
    private boolean settled(RangeReplica range) {
        RangeClaim claim = catalog.range(range.key.stream(), range.key.rangeId());
        if (claim == null || !claim.sealed()) {
            return false;
        }
        boolean coveredOne = false;
        for (NodeId holder : directory.holders(range.key.stream(), range.key.rangeId())) {
            if (!holder.equals(nodeId) && directory.isLive(holder)) {
                if (!range.coversSealed(holder)) {
                    return false;
                }
                coveredOne = true;
            }
        }
        // A restored copy is complete only once it holds what a live holder sealed: with none
        // left it may be partial, and its readers wait rather than see a range end early.
        return coveredOne || range.descriptor.replicas().contains(nodeId);
    }

    /** Ends the waits of readers at the end of ranges that are now settled. */
    private void endSettledWaits() {
        for (RangeReplica range : ranges.values()) {
            if (range.waiters.isEmpty() || !settled(range)) {
                continue;
            }
            for (Iterator<RangeReplica.Waiter> it = range.waiters.iterator(); it.hasNext(); ) {
                RangeReplica.Waiter w = it.next();
                if (range.log.nextIndex() <= w.index()) {
                    it.remove();
                    w.waiter().onEnded();
                }
            }
        }
    }

    /** Removes a waiting reader (agent thread); harmless when it is not waiting. */
    public void cancelWait(String stream, int rangeId, TailWaiter waiter) {
        RangeReplica range = ranges.get(new RangeKey(stream, rangeId));
        if (range != null) {
            range.waiters.removeIf(w -> w.waiter() == waiter);
        }
    }

    /**
     * Where a reader of a range starts: the log index to read from, and the version vector of
     * what the reader counts as read at that point (every coordinator's batches before it). The
     * reader skips batches its vector covers, so the index may be a little early. Agent thread.
     *
     * @return null when this node does not hold the range
     * @throws io.scalesmall.protocol.ProtocolException INVALID_CURSOR for a cursor of another range
     */
    public ReadStart resolveStart(String stream, int rangeId, StartPosition start) throws IOException {
        RangeClaim claim = directory.held(stream, rangeId);
        if (claim == null) {
            return null;
        }
        RangeReplica range = replica(claim);
        RangeLog log = range.log;
        CoordinatorIndex index = range.coordinators;
        List<RangeCursor.Entry> vector = new ArrayList<>();
        switch (start.kind()) {
            case BEGINNING -> {
                for (NodeId c : index.coordinators()) {
                    vector.add(new RangeCursor.Entry(c, Math.max(0, index.firstSeq(c) - 1), 0));
                }
                return new ReadStart(log.firstIndex(), vector);
            }
            case END -> {
                for (NodeId c : index.coordinators()) {
                    vector.add(new RangeCursor.Entry(c, index.lastSeq(c), 0));
                }
                return new ReadStart(log.nextIndex(), vector);
            }
            case TIMESTAMP -> {
                long at = log.locateTime(start.timestampMs());
                for (NodeId c : index.coordinators()) {
                    vector.add(new RangeCursor.Entry(c, seqBefore(range, c, at), 0));
                }
                return new ReadStart(at, vector);
            }
            case CURSOR -> {
                RangeCursor cursor = start.cursor();
                if (cursor.rangeId() != rangeId) {
                    throw new ProtocolException(
                            ErrorCode.INVALID_CURSOR,
                            "cursor is for range " + cursor.rangeId() + ", not range " + rangeId);
                }
                long from = log.nextIndex();
                for (NodeId c : index.coordinators()) {
                    RangeCursor.Entry e = cursor.entry(c);
                    long read = e == null ? 0 : e.batchSeq();
                    if (index.lastSeq(c) > read) {
                        from = Math.min(from, index.floorIndex(c, Math.max(index.firstSeq(c), read + 1)));
                    }
                }
                return new ReadStart(Math.max(from, log.firstIndex()), cursor.entries());
            }
            default -> throw new IllegalArgumentException("unknown start " + start);
        }
    }

    /** The highest sequence of {@code coordinator} stored before log index {@code at}. */
    private static long seqBefore(RangeReplica range, NodeId coordinator, long at) throws IOException {
        long[] checkpoint = range.coordinators.checkpointBefore(coordinator, at);
        if (checkpoint == null) {
            return Math.max(0, range.coordinators.firstSeq(coordinator) - 1);
        }
        long[] last = {checkpoint[0]};
        range.log.walkHeaders(checkpoint[1], (index, h) -> {
            if (index >= at) {
                return false;
            }
            if (h.coordinatorHigh() == coordinator.high() && h.coordinatorLow() == coordinator.low()) {
                last[0] = h.batchSeq();
            }
            return true;
        });
        return last[0];
    }

    /**
     * Where a read starts.
     *
     * @param index the log index to read from
     * @param vector what the reader counts as read: per coordinator, the last batch before
     *     {@code index} (or the cursor's entries)
     */
    public record ReadStart(long index, List<RangeCursor.Entry> vector) {}

    // ---- ranges

    private RangeReplica replica(RangeClaim claim) throws IOException {
        RangeReplica range = ranges.get(new RangeKey(claim.stream(), claim.rangeId()));
        return range != null ? range : openRange(claim);
    }

    private synchronized RangeReplica openRange(RangeClaim claim) throws IOException {
        RangeKey key = new RangeKey(claim.stream(), claim.rangeId());
        RangeReplica open = ranges.get(key);
        if (open != null) {
            return open;
        }
        RangeLog log = RangeLog.open(catalog.rangeDir(key.stream(), key.rangeId()), config.storage());
        RangeReplica replica = new RangeReplica(key, log, RangeReplica.descriptorOf(claim), stats.stream(key.stream()));
        log.forEachBatchHeader((index, h) -> {
            NodeId coordinator = new NodeId(h.coordinatorHigh(), h.coordinatorLow());
            replica.appended(coordinator, h.batchSeq(), index, true);
            if ((h.attributes() & BatchFormat.REFUSAL_FLAG) != 0) {
                replica.recordRefusal(h.producerId(), h.producerSeq(), h.count());
            }
            // A batch flagged as a duplicate does not hold its messages here: another batch does.
            if ((h.attributes() & BatchFormat.DUPLICATE_FLAG) == 0) {
                replica.producers.record(
                        h.producerId(), h.producerSeq(), h.count(), index, h.hlcTime(), coordinator, h.batchSeq());
            }
        });
        replica.producers.expire(clockMs.getAsLong() - config.producerExpiryMs());
        hlc.observe(log.lastHlcTime());
        replica.openedAtMs = clockMs.getAsLong();
        ranges.put(key, replica);
        byLog.put(log, replica);
        return replica;
    }

    private void noteAppend(RangeReplica range) {
        if (!range.appendedSinceNotify) {
            range.appendedSinceNotify = true;
            touchedRanges.add(range);
        }
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

    // ---- fsyncs

    @Override
    public void onDurable(RangeLog log, long durableIndex) {
        if (!execute(() -> completeDurable(log, durableIndex))) {
            LOG.fine("agent stopped before a sync completion was delivered");
        }
    }

    @Override
    public void onSyncTimed(long nanos) {
        stats.synced(nanos);
    }

    @Override
    public void onSyncFailed(RangeLog log, Exception error) {
        execute(() -> failPending(log, error));
    }

    private void completeDurable(RangeLog log, long durableIndex) {
        RangeReplica range = byLog.get(log);
        if (range == null) {
            return;
        }
        range.durableUpTo(durableIndex);
        if (range.progressChanged) {
            reportDue.add(range);
        }
        evaluate(range);
        if (!stopped && log.nextIndex() - 1 > range.durableIndex) {
            requestSync(range);
        }
    }

    /**
     * Has the range's appended batches fsynced: at once when a publish waits for a disk copy or a
     * peer forwarded batches (whose policy only their coordinator knows), else within {@link
     * DataAgentConfig#backgroundSyncMs()}.
     */
    private void requestSync(RangeReplica range) {
        if (config.backgroundSyncMs() == 0 || forwardedTo.contains(range) || waitsForDisk(range)) {
            syncAgent.requestSync(range.log);
        } else if (!range.backgroundSyncQueued) {
            range.backgroundSyncQueued = true;
            range.backgroundSyncDueMs = clockMs.getAsLong() + config.backgroundSyncMs();
            backgroundSyncs.addLast(range);
        }
    }

    private static boolean waitsForDisk(RangeReplica range) {
        for (PendingPublish p : range.pending) {
            if (p.policy().diskCopies() > 0) {
                return true;
            }
        }
        return false;
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
        long now = clockMs.getAsLong();
        long wait = Math.min(config.idlePollMs(), Math.max(0, nextRepairMs - now));
        RangeReplica next = backgroundSyncs.peekFirst();
        if (next == null) {
            return wait;
        }
        long left = next.backgroundSyncDueMs - now;
        return Math.max(0, Math.min(wait, Math.min(left, config.backgroundSyncMs())));
    }

    private void failPending(RangeLog log, Exception error) {
        RangeReplica range = byLog.get(log);
        if (range == null) {
            return;
        }
        LOG.log(Level.SEVERE, "fsync of " + range.key + " failed; reopening its log", error);
        boolean full = error instanceof StorageFullException;
        for (Iterator<PendingPublish> it = range.pending.iterator(); it.hasNext(); ) {
            PendingPublish p = it.next();
            if (p.policy().diskCopies() == 0) {
                continue;
            }
            it.remove();
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
        RangeClaim claim = catalog.range(old.key.stream(), old.key.rangeId());
        try {
            if (claim == null) {
                throw new IOException("no longer in the catalog");
            }
            RangeReplica fresh = openRange(claim);
            fresh.waiters.addAll(old.waiters);
            fresh.pending.addAll(old.pending);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "cannot reopen " + old.key + "; the next publish will retry", e);
            for (RangeReplica.Waiter w : old.waiters) {
                w.waiter().onClosed();
            }
            for (PendingPublish p : old.pending) {
                touch(p.sink());
                p.sink().publishFailed(p.requestId(), p.inFlightBytes(), ErrorCode.STORAGE_ERROR, "range unavailable");
            }
        }
        old.waiters.clear();
        old.pending.clear();
    }

    // ---- the loop

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
                long now = clockMs.getAsLong();
                if (now >= nextRepairMs) {
                    nextRepairMs = now + config.repairIntervalMs();
                    runSafely(() -> repair(now));
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
        forwardedTo.clear();
        for (RangeReplica range : reportDue) {
            if (range.progressChanged) {
                report(range, clockMs.getAsLong());
            }
        }
        reportDue.clear();
        for (RangeReplica range : toEvaluate) {
            evaluate(range);
        }
        toEvaluate.clear();
        for (AckSink sink : touchedSinks) {
            sink.flush();
        }
        touchedSinks.clear();
        peers.flush();
    }

    private boolean isSealedHere(RangeReplica range) {
        RangeClaim claim = catalog.range(range.key.stream(), range.key.rangeId());
        return claim != null && claim.sealed();
    }

    /** Tells the range's replicas, and any other holder (a restored copy), what this one holds. */
    private void report(RangeReplica range, long nowMs) {
        range.progressChanged = false;
        range.lastReportMs = nowMs;
        List<NodeId> holders = directory.holders(range.key.stream(), range.key.rangeId());
        if (range.descriptor.replicas().size() < 2 && holders.size() < 2) {
            return;
        }
        ProgressReport report = range.report(nodeId, isSealedHere(range));
        for (NodeId replica : range.descriptor.replicas()) {
            if (!replica.equals(nodeId)) {
                peers.progress(replica, report);
            }
        }
        for (NodeId holder : holders) {
            if (!holder.equals(nodeId) && !range.descriptor.replicas().contains(holder) && directory.isLive(holder)) {
                peers.progress(holder, report);
            }
        }
    }

    /**
     * Every repair interval: reports progress of idle ranges (so replicas that missed a report
     * catch up), pulls what another replica holds and this one lacks, and fails publishes past
     * their deadline.
     */
    private void repair(long nowMs) {
        long backlog = 0;
        for (RangeReplica range : ranges.values()) {
            if (nowMs - range.lastReportMs >= config.repairIntervalMs()) {
                report(range, nowMs);
            }
            for (NodeId coordinator : range.knownCoordinators()) {
                backlog += range.behind(coordinator, directory::isLive);
                long from = nextWanted(range, coordinator);
                NodeId ahead = range.sourceFor(coordinator, from, directory::isLive);
                if (ahead != null) {
                    requestPull(range, ahead, coordinator, from, false);
                }
            }
            expirePending(range, nowMs);
            if (range.filledBatches > 0 && settled(range)) {
                LOG.info("range " + range.key + " is complete here: pulled " + range.filledBatches
                        + " batches; it holds everything its live holders hold");
                range.filledBatches = 0;
            }
        }
        if (policyFailuresUnlogged > 0 && nowMs - policyFailureLoggedMs >= POLICY_FAILURE_LOG_MS) {
            LOG.warning(policyFailuresUnlogged + " publish(es) failed their durability policy within "
                    + config.replicationTimeoutMs() + " ms (answered NOT_ENOUGH_REPLICAS; what was stored stays"
                    + " stored); the last: " + lastPolicyFailure);
            policyFailuresUnlogged = 0;
            policyFailureLoggedMs = nowMs;
        }
        stats.repairBacklog(backlog);
        stats.memoryTail(memoryBytes, config.memoryTailBytes());
        endSettledWaits();
    }

    /** Publishes that failed their policy since the last log line about it, the last one's words. */
    private long policyFailuresUnlogged;

    private String lastPolicyFailure;
    private long policyFailureLoggedMs = -POLICY_FAILURE_LOG_MS;

    /** Log at most one line about failed durability policies this often. */
    private static final long POLICY_FAILURE_LOG_MS = 10_000;

    private void expirePending(RangeReplica range, long nowMs) {
        PendingPublish p;
        while ((p = range.pending.peekFirst()) != null && p.deadlineMs() <= nowMs) {
            range.pending.pollFirst();
            touch(p.sink());
            if (p.sealedRefusal() != null) {
                p.sink()
                        .publishFailed(
                                p.requestId(),
                                p.inFlightBytes(),
                                ErrorCode.BUSY,
                                range.key + " is sealed and refused this batch, but the refusal is not on disk after "
                                        + config.replicationTimeoutMs() + " ms; retry");
                continue;
            }
            int memory = range.memoryCopies(nodeId, p.coordinator(), p.seq());
            int disk = range.diskCopies(nodeId, p.coordinator(), p.seq());
            policyFailuresUnlogged++;
            lastPolicyFailure =
                    p.policy() + " in " + range.key + " reached " + memory + " in memory and " + disk + " on disk";
            touch(p.sink());
            p.sink()
                    .publishFailed(
                            p.requestId(),
                            p.inFlightBytes(),
                            ErrorCode.NOT_ENOUGH_REPLICAS,
                            "durability policy " + p.policy() + " not met within " + config.replicationTimeoutMs()
                                    + " ms: reached " + memory + " in memory and " + disk + " on disk of the "
                                    + range.descriptor.replicas().size() + " replicas of " + range.key
                                    + "; what was stored stays stored, and a retry is stored once");
        }
    }

    /**
     * Which of {@code peers} reported holding, fsynced, every batch this node holds of a range
     * (all of them when this node holds none). For a node handing its data off. Any thread;
     * completes on the agent thread.
     */
    public CompletableFuture<List<NodeId>> heldBy(String stream, int rangeId, List<NodeId> peers) {
        CompletableFuture<List<NodeId>> result = new CompletableFuture<>();
        boolean queued = execute(() -> {
            try {
                RangeClaim claim = catalog.range(stream, rangeId);
                if (claim == null) {
                    result.complete(peers);
                    return;
                }
                RangeReplica range = replica(claim);
                List<NodeId> holding = new ArrayList<>();
                for (NodeId peer : peers) {
                    if (range.heldBy(peer)) {
                        holding.add(peer);
                    }
                }
                result.complete(holding);
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        if (!queued) {
            result.completeExceptionally(new IllegalStateException("the data agent is busy or stopped"));
        }
        return result;
    }

    /**
     * True while the data volume stays over its high watermark after retention ran: the node
     * should take no new ranges and let others take its new writes. Any thread.
     */
    public boolean overHighWatermark() {
        return retention != null && retention.full();
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
                failPending(range.log, e);
            }
            for (PendingPublish p : range.pending) {
                touch(p.sink());
                p.sink().publishFailed(p.requestId(), p.inFlightBytes(), ErrorCode.SHUTTING_DOWN, "node is stopping");
            }
            range.pending.clear();
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
        peers.flush();
    }
}
