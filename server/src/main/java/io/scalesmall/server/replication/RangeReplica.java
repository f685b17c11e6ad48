package io.scalesmall.server.replication;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.storage.RangeLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This node's replica of one range: its log, what it holds of each coordinator ({@link
 * CoordinatorIndex}), its producers' idempotence state, what the other replicas reported holding,
 * the publishes it coordinates that wait for enough copies, the most recent batches kept in memory
 * for tail readers, and the readers waiting for the next batch.
 *
 * <p>Owned by the data agent thread; only {@link #log} is read by other threads (the log is safe
 * for concurrent readers).
 */
final class RangeReplica {
    /** A reader waiting for the batch at log index {@code index}. */
    record Waiter(long index, int maxBytes, TailWaiter waiter) {}

    /** A batch appended but not yet covered by an fsync. */
    private record Unsynced(NodeId coordinator, long seq, long logIndex) {}

    final RangeKey key;
    final RangeLog log;
    final RangeDescriptor descriptor;
    /** The stream's traffic counters, where batches this node coordinates are counted. */
    final DataStats.StreamTraffic traffic;

    final ProducerTable producers = new ProducerTable();
    final CoordinatorIndex coordinators = new CoordinatorIndex();
    /** Publishes this node answers, in arrival order. */
    final ArrayDeque<PendingPublish> pending = new ArrayDeque<>();

    final List<Waiter> waiters = new ArrayList<>();

    /** Per other replica: per coordinator, {memorySeq, diskSeq, firstSeq} as last reported. */
    private final Map<NodeId, Map<NodeId, long[]>> peerProgress = new HashMap<>();
    /** Per other replica: when its last report arrived (agent clock). */
    private final Map<NodeId, Long> peerReportedAtMs = new HashMap<>();
    /** When this node opened the range (agent clock): reports before it know nothing of it. */
    long openedAtMs;
    /** Other replicas whose reports said they sealed the range. */
    private final java.util.Set<NodeId> peersSealed = new java.util.HashSet<>();

    /**
     * The producer spans void in this range, because a replica refused them as RANGE_SEALED and
     * the producer moved them to the successor (refusal markers in the log). Written on the agent
     * thread, read by readers on any.
     */
    volatile Refusals refusals = Refusals.NONE;

    /** Per coordinator: highest sequence fsynced here with every earlier one. */
    private final Map<NodeId, Long> diskSeq = new HashMap<>();

    private final ArrayDeque<Unsynced> unsynced = new ArrayDeque<>();
    private final ArrayDeque<ByteBuf> recent = new ArrayDeque<>();
    /** Pulls asked and not yet answered: coordinator to the time asked. */
    final Map<NodeId, Long> pullsInFlight = new HashMap<>();

    private long recentFirstIndex;
    private long recentBytes;

    long durableIndex;
    boolean appendedSinceNotify;
    /** Whether this replica's progress changed since it was last reported. */
    boolean progressChanged;
    /** When the last progress report went out, for the idle heartbeat. */
    long lastReportMs;
    /** Batches pulled into this range since it was sealed here and last settled (progress to log). */
    long filledBatches;

    /** Whether the range waits in the agent's queue of background syncs, and until when. */
    boolean backgroundSyncQueued;

    long backgroundSyncDueMs;

    RangeReplica(RangeKey key, RangeLog log, RangeDescriptor descriptor, DataStats.StreamTraffic traffic) {
        this.key = key;
        this.traffic = traffic;
        this.log = log;
        this.descriptor = descriptor;
        this.durableIndex = log.durableIndex();
    }

    /** The descriptor of a claim. */
    static RangeDescriptor descriptorOf(RangeClaim claim) {
        return new RangeDescriptor(
                claim.stream(),
                claim.rangeId(),
                claim.startHash(),
                claim.endHash(),
                claim.sinceHlc(),
                claim.replicas());
    }

    // ---- refusals

    /** Whether the producer's batch starting at {@code producerSeq} is void here (refused as sealed). */
    boolean refused(long producerId, long producerSeq) {
        return refusals.covers(producerId, producerSeq);
    }

    /** Records that the producer's {@code count} messages from {@code producerSeq} are void here. */
    void recordRefusal(long producerId, long producerSeq, int count) {
        if (!refusals.coversGap(producerId, producerSeq, producerSeq + count)) {
            refusals = refusals.with(producerId, producerSeq, producerSeq + count);
        }
    }

    // ---- what each replica holds

    /** Records a batch appended to the log; everything recovered at open counts as fsynced. */
    void appended(NodeId coordinator, long seq, long logIndex, boolean recovered) {
        coordinators.record(coordinator, seq, logIndex);
        if (recovered || logIndex <= durableIndex) {
            diskSeq.put(coordinator, seq);
        } else {
            unsynced.addLast(new Unsynced(coordinator, seq, logIndex));
        }
        progressChanged = true;
    }

    /** The log is fsynced up to {@code index}: moves the per-coordinator disk progress. */
    void durableUpTo(long index) {
        if (index <= durableIndex) {
            return;
        }
        durableIndex = index;
        Unsynced u;
        while ((u = unsynced.peekFirst()) != null && u.logIndex <= index) {
            unsynced.pollFirst();
            diskSeq.put(u.coordinator, u.seq);
            progressChanged = true;
        }
    }

    /** Takes a progress report of another replica, arrived at {@code nowMs}. */
    void peerReported(ProgressReport report, long nowMs) {
        if (report.sealed()) {
            peersSealed.add(report.from());
        }
        peerReportedAtMs.put(report.from(), nowMs);
        Map<NodeId, long[]> byCoordinator = peerProgress.computeIfAbsent(report.from(), id -> new HashMap<>());
        for (ProgressReport.Entry e : report.entries()) {
            long[] known = byCoordinator.computeIfAbsent(e.coordinator(), id -> new long[3]);
            known[0] = Math.max(known[0], e.memorySeq());
            known[1] = Math.max(known[1], e.diskSeq());
            // The latest, not the highest: a peer's oldest batch only moves on by retention, and a
            // value outside what it holds is a report not to trust.
            known[2] = Math.max(1, Math.min(e.firstSeq(), e.memorySeq() + 1));
        }
    }

    /** Replicas, this one included, holding {@code (coordinator, seq)} in memory. */
    int memoryCopies(NodeId self, NodeId coordinator, long seq) {
        int copies = coordinators.lastSeq(coordinator) >= seq ? 1 : 0;
        for (NodeId replica : descriptor.replicas()) {
            if (!replica.equals(self)) {
                long[] p = progressOf(replica, coordinator);
                if (p != null && p[0] >= seq) {
                    copies++;
                }
            }
        }
        return copies;
    }

    /** Replicas, this one included, that fsynced {@code (coordinator, seq)}. */
    int diskCopies(NodeId self, NodeId coordinator, long seq) {
        int copies = diskSeq.getOrDefault(coordinator, 0L) >= seq ? 1 : 0;
        for (NodeId replica : descriptor.replicas()) {
            if (!replica.equals(self)) {
                long[] p = progressOf(replica, coordinator);
                if (p != null && p[1] >= seq) {
                    copies++;
                }
            }
        }
        return copies;
    }

    private long[] progressOf(NodeId replica, NodeId coordinator) {
        Map<NodeId, long[]> byCoordinator = peerProgress.get(replica);
        return byCoordinator == null ? null : byCoordinator.get(coordinator);
    }

    /** True when {@code peer} reported every batch this replica holds as fsynced there. */
    boolean heldBy(NodeId peer) {
        Map<NodeId, long[]> byCoordinator = peerProgress.get(peer);
        for (NodeId coordinator : coordinators.coordinators()) {
            long[] theirs = byCoordinator == null ? null : byCoordinator.get(coordinator);
            if (coordinators.lastSeq(coordinator) > (theirs == null ? 0 : theirs[1])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code peer} reported the range sealed, and this replica holds everything that report
     * said it held: after every holder did, no batch of the range exists that this replica lacks.
     */
    boolean coversSealed(NodeId peer) {
        if (!peersSealed.contains(peer)) {
            return false;
        }
        Map<NodeId, long[]> byCoordinator = peerProgress.get(peer);
        if (byCoordinator != null) {
            for (Map.Entry<NodeId, long[]> e : byCoordinator.entrySet()) {
                if (coordinators.lastSeq(e.getKey()) < e.getValue()[0]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** This replica's progress, as reported to the others. */
    ProgressReport report(NodeId self, boolean sealed) {
        List<ProgressReport.Entry> entries = new ArrayList<>();
        for (NodeId c : coordinators.coordinators()) {
            entries.add(new ProgressReport.Entry(
                    c, coordinators.lastSeq(c), diskSeq.getOrDefault(c, 0L), Math.max(1, coordinators.firstSeq(c))));
        }
        return new ProgressReport(key.stream(), key.rangeId(), self, sealed, entries);
    }

    /**
     * For repair: the live replica to pull a coordinator's batches from {@code fromSeq} on: one
     * that reported holding them (still holding {@code fromSeq}), the one holding most; null when
     * none does.
     */
    NodeId sourceFor(NodeId coordinator, long fromSeq, java.util.function.Predicate<NodeId> live) {
        NodeId best = null;
        long bestSeq = 0;
        for (Map.Entry<NodeId, Map<NodeId, long[]>> e : peerProgress.entrySet()) {
            long[] p = e.getValue().get(coordinator);
            if (p != null
                    && p[0] >= fromSeq
                    && Math.max(1, p[2]) <= fromSeq
                    && p[0] > bestSeq
                    && live.test(e.getKey())) {
                best = e.getKey();
                bestSeq = p[0];
            }
        }
        return best;
    }

    /**
     * Batches of {@code coordinator} that a live replica reported holding beyond what this one
     * holds: what repair has left to pull here (0 when this one is ahead or alone).
     */
    long behind(NodeId coordinator, java.util.function.Predicate<NodeId> live) {
        long most = 0;
        for (Map.Entry<NodeId, Map<NodeId, long[]>> e : peerProgress.entrySet()) {
            long[] p = e.getValue().get(coordinator);
            if (p != null && p[0] > most && live.test(e.getKey())) {
                most = p[0];
            }
        }
        return Math.max(0, most - coordinators.lastSeq(coordinator));
    }

    /**
     * Where this replica's next batch of {@code coordinator} may start: the one after what it
     * holds; or, for a replica that holds none of that coordinator's batches yet (a copy being
     * filled), the oldest one any other live holder still has, when every one of them reported
     * since this replica opened the range and within {@code freshMs}, and all of them lost the
     * older ones to retention.
     *
     * @param liveHolders the range's live holders (this node may be among them)
     */
    long nextWanted(NodeId coordinator, NodeId self, List<NodeId> liveHolders, long nowMs, long freshMs) {
        long next = coordinators.lastSeq(coordinator) + 1;
        if (next != 1) {
            return next;
        }
        long oldestLeft = Long.MAX_VALUE;
        for (NodeId holder : liveHolders) {
            if (holder.equals(self)) {
                continue;
            }
            Long at = peerReportedAtMs.get(holder);
            if (at == null || at < openedAtMs || nowMs - at > freshMs) {
                return next; // a holder we have not heard from lately may still have them
            }
            long[] p = progressOf(holder, coordinator);
            if (p != null && p[0] >= 1) {
                oldestLeft = Math.min(oldestLeft, p[2]);
            }
        }
        return oldestLeft != Long.MAX_VALUE && oldestLeft > next ? oldestLeft : next;
    }

    /** Every coordinator this replica or another reported batches of. */
    List<NodeId> knownCoordinators() {
        List<NodeId> out = coordinators.coordinators();
        for (Map<NodeId, long[]> byCoordinator : peerProgress.values()) {
            for (NodeId c : byCoordinator.keySet()) {
                if (!out.contains(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    // ---- memory tail

    /** Keeps a just-appended batch in memory (takes ownership of one reference). */
    void remember(long index, ByteBuf batch) {
        if (recent.isEmpty()) {
            recentFirstIndex = index;
        }
        recent.addLast(batch);
        recentBytes += batch.readableBytes();
    }

    /** Drops the oldest in-memory batch; returns the bytes freed. */
    int forgetOldest() {
        ByteBuf b = recent.pollFirst();
        if (b == null) {
            return 0;
        }
        recentFirstIndex++;
        int bytes = b.readableBytes();
        recentBytes -= bytes;
        b.release();
        return bytes;
    }

    /**
     * Retained duplicates of the in-memory batches from {@code index} on, up to {@code maxBytes}
     * (at least one batch); empty when {@code index} is no longer in memory.
     */
    List<ByteBuf> recentFrom(long index, int maxBytes) {
        if (recent.isEmpty() || index < recentFirstIndex || index >= recentFirstIndex + recent.size()) {
            return List.of();
        }
        List<ByteBuf> out = new ArrayList<>();
        long i = recentFirstIndex;
        int bytes = 0;
        for (ByteBuf b : recent) {
            if (i++ < index) {
                continue;
            }
            if (!out.isEmpty() && bytes + b.readableBytes() > maxBytes) {
                break;
            }
            out.add(b.retainedDuplicate());
            bytes += b.readableBytes();
        }
        return out;
    }

    long recentBytes() {
        return recentBytes;
    }

    /** Releases everything held in memory; returns the bytes freed. */
    long forgetAll() {
        long freed = 0;
        int n;
        while ((n = forgetOldest()) > 0) {
            freed += n;
        }
        return freed;
    }
}
