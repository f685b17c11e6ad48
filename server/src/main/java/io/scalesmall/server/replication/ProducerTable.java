package io.scalesmall.server.replication;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.HybridLogicalClock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The idempotence state of one range: per producer, the next message sequence expected and the
 * positions of its most recent batches, so that a retried batch is stored once and acknowledged
 * again with its original position.
 *
 * <p>Sequences are counted per (producer, range) from the producer's first batch and must be
 * contiguous. Rules for a batch (producerSeq, count) from a known producer whose next expected
 * sequence is {@code next}:
 *
 * <ul>
 *   <li>{@code producerSeq == next}: new, store it;
 *   <li>{@code producerSeq + count <= next}: duplicate, acknowledge the stored one again;
 *   <li>{@code producerSeq > next}: out of order, an earlier batch is missing;
 *   <li>otherwise it overlaps stored messages without matching them: invalid.
 * </ul>
 *
 * The first batch of an unknown producer is new whatever its sequence. The table is rebuilt from
 * the log's batch headers at startup, so it survives restarts. Not thread-safe; owned by the data
 * agent thread.
 */
final class ProducerTable {
    /** Recent batches remembered per producer for re-acknowledging retries with their position. */
    static final int RECENT_BATCHES = 32;

    /** Outcome of {@link #check}. */
    enum Verdict {
        NEW,
        DUPLICATE,
        OUT_OF_ORDER,
        INVALID
    }

    private static final class Producer {
        long nextSeq;
        long lastSeenMs;
        final long[] seqs = new long[RECENT_BATCHES];
        final long[] indexes = new long[RECENT_BATCHES];
        final long[] hlcTimes = new long[RECENT_BATCHES];
        final NodeId[] coordinators = new NodeId[RECENT_BATCHES];
        final long[] batchSeqs = new long[RECENT_BATCHES];
        int size;
        int head;
    }

    private final Map<Long, Producer> producers = new HashMap<>();
    private long foundIndex;
    private long foundHlcTime;
    private NodeId foundCoordinator;
    private long foundBatchSeq;
    private long expectedSeq;

    /** Classifies a batch; after DUPLICATE, {@link #foundIndex()} tells where it is (0 if too old). */
    Verdict check(long producerId, long producerSeq, int count) {
        Producer p = producers.get(producerId);
        foundIndex = 0;
        foundHlcTime = 0;
        foundCoordinator = null;
        foundBatchSeq = 0;
        if (p == null) {
            expectedSeq = producerSeq;
            return Verdict.NEW;
        }
        expectedSeq = p.nextSeq;
        if (producerSeq == p.nextSeq) {
            return Verdict.NEW;
        }
        if (producerSeq + count <= p.nextSeq) {
            for (int i = 0; i < p.size; i++) {
                int slot = Math.floorMod(p.head - 1 - i, RECENT_BATCHES);
                if (p.seqs[slot] == producerSeq) {
                    foundIndex = p.indexes[slot];
                    foundHlcTime = p.hlcTimes[slot];
                    foundCoordinator = p.coordinators[slot];
                    foundBatchSeq = p.batchSeqs[slot];
                    break;
                }
            }
            return Verdict.DUPLICATE;
        }
        return producerSeq > p.nextSeq ? Verdict.OUT_OF_ORDER : Verdict.INVALID;
    }

    /** Log index of the duplicate found by the last {@link #check}, 0 when not remembered. */
    long foundIndex() {
        return foundIndex;
    }

    /** HLC time of the duplicate found by the last {@link #check}. */
    long foundHlcTime() {
        return foundHlcTime;
    }

    /** Coordinator of the duplicate found by the last {@link #check}, null when not remembered. */
    NodeId foundCoordinator() {
        return foundCoordinator;
    }

    /** Coordinator sequence of the duplicate found by the last {@link #check}. */
    long foundBatchSeq() {
        return foundBatchSeq;
    }

    /** The sequence the last checked producer was expected to send next. */
    long expectedSeq() {
        return expectedSeq;
    }

    /**
     * Records a stored batch. A replica may store a producer's batches out of order (a retry
     * through a second coordinator); the next expected sequence only grows.
     */
    void record(
            long producerId, long producerSeq, int count, long index, long hlcTime, NodeId coordinator, long batchSeq) {
        Producer p = producers.computeIfAbsent(producerId, id -> new Producer());
        p.nextSeq = Math.max(p.nextSeq, producerSeq + count);
        p.coordinators[p.head] = coordinator;
        p.batchSeqs[p.head] = batchSeq;
        p.lastSeenMs = HybridLogicalClock.millis(hlcTime);
        p.seqs[p.head] = producerSeq;
        p.indexes[p.head] = index;
        p.hlcTimes[p.head] = hlcTime;
        p.head = (p.head + 1) % RECENT_BATCHES;
        p.size = Math.min(p.size + 1, RECENT_BATCHES);
    }

    /** Forgets producers not seen since {@code cutoffMs}. */
    void expire(long cutoffMs) {
        for (Iterator<Producer> it = producers.values().iterator(); it.hasNext(); ) {
            if (it.next().lastSeenMs < cutoffMs) {
                it.remove();
            }
        }
    }

    int size() {
        return producers.size();
    }
}
