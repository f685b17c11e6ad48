package io.scalesmall.server.replication;

import io.scalesmall.protocol.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For one range on this replica: which batches of each coordinator it holds and roughly where
 * they are in its log. A replica appends each coordinator's batches in that coordinator's
 * sequence order, so what it holds of a coordinator is a contiguous run {@code [firstSeq,
 * lastSeq]} (firstSeq above 1 only once retention deleted the oldest), and the log indexes of
 * those batches grow with their sequences.
 *
 * <p>Where a batch lies is kept for every {@value #CHECKPOINT_EVERY}th batch of each coordinator
 * (and its first), so the index costs about one byte per batch; {@link #floorIndex} gives a log
 * index at or before a batch, from which a header walk finds it exactly.
 *
 * <p>Not thread-safe: owned by the data agent thread, which publishes {@link #vector()} snapshots.
 */
final class CoordinatorIndex {
    static final int CHECKPOINT_EVERY = 16;

    private static final class Coordinator {
        long firstSeq;
        long lastSeq;
        long[] seqs = new long[4];
        long[] indexes = new long[4];
        int checkpoints;

        void checkpoint(long seq, long index) {
            if (checkpoints == seqs.length) {
                seqs = Arrays.copyOf(seqs, checkpoints * 2);
                indexes = Arrays.copyOf(indexes, checkpoints * 2);
            }
            seqs[checkpoints] = seq;
            indexes[checkpoints] = index;
            checkpoints++;
        }
    }

    private final Map<NodeId, Coordinator> coordinators = new HashMap<>();

    /** Highest sequence of {@code coordinator} held with every earlier one; 0 for none. */
    long lastSeq(NodeId coordinator) {
        Coordinator c = coordinators.get(coordinator);
        return c == null ? 0 : c.lastSeq;
    }

    /** Oldest sequence of {@code coordinator} still held; 0 for none. */
    long firstSeq(NodeId coordinator) {
        Coordinator c = coordinators.get(coordinator);
        return c == null ? 0 : c.firstSeq;
    }

    /**
     * Records the batch {@code (coordinator, seq)} appended at {@code logIndex}. On a live
     * replica {@code seq} is the next one ({@link #lastSeq} + 1); when the log is read back at
     * startup, the first batch of a coordinator may be any sequence (retention deleted the earlier
     * ones).
     */
    void record(NodeId coordinator, long seq, long logIndex) {
        Coordinator c = coordinators.get(coordinator);
        if (c != null && seq <= c.lastSeq) {
            // Only a damaged log repeats a sequence; what is held does not shrink.
            return;
        }
        if (c == null) {
            c = new Coordinator();
            c.firstSeq = seq;
            coordinators.put(coordinator, c);
            c.checkpoint(seq, logIndex);
        } else if ((seq - c.firstSeq) % CHECKPOINT_EVERY == 0) {
            c.checkpoint(seq, logIndex);
        }
        c.lastSeq = seq;
    }

    /**
     * A log index at or before the batch {@code (coordinator, seq)} (which must be held): a
     * checkpoint, from where a walk of at most {@value #CHECKPOINT_EVERY} batches of this
     * coordinator reaches it.
     */
    long floorIndex(NodeId coordinator, long seq) {
        Coordinator c = coordinators.get(coordinator);
        if (c == null || c.checkpoints == 0) {
            return 1;
        }
        int lo = 0;
        int hi = c.checkpoints - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (c.seqs[mid] <= seq) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return c.indexes[lo];
    }

    /**
     * The last checkpoint of {@code coordinator} at a log index below {@code index}, as {seq,
     * logIndex}; null when its first held batch is at or after {@code index}.
     */
    long[] checkpointBefore(NodeId coordinator, long index) {
        Coordinator c = coordinators.get(coordinator);
        if (c == null || c.checkpoints == 0 || c.indexes[0] >= index) {
            return null;
        }
        int lo = 0;
        int hi = c.checkpoints - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (c.indexes[mid] < index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return new long[] {c.seqs[lo], c.indexes[lo]};
    }

    /**
     * Forgets batches below log index {@code firstRetainedIndex}, which retention deleted: each
     * coordinator's first held sequence moves to its first checkpoint at or after it (an
     * underestimate of what is gone, never an overestimate of what is held).
     */
    void truncateBefore(long firstRetainedIndex) {
        for (Coordinator c : coordinators.values()) {
            int keep = 0;
            while (keep < c.checkpoints && c.indexes[keep] < firstRetainedIndex) {
                keep++;
            }
            if (keep == 0) {
                continue;
            }
            if (keep == c.checkpoints) {
                // Every checkpoint is gone; the batches after the last one may remain.
                c.firstSeq = Math.min(c.lastSeq, c.seqs[keep - 1] + CHECKPOINT_EVERY);
                c.seqs[0] = c.firstSeq;
                c.indexes[0] = firstRetainedIndex;
                c.checkpoints = 1;
                continue;
            }
            c.firstSeq = c.seqs[keep];
            System.arraycopy(c.seqs, keep, c.seqs, 0, c.checkpoints - keep);
            System.arraycopy(c.indexes, keep, c.indexes, 0, c.checkpoints - keep);
            c.checkpoints -= keep;
        }
    }

    /**
     * Makes a coordinator's oldest held sequence exact after {@link #truncateBefore} estimated it:
     * {@code (seq, index)} is that coordinator's first batch in the log now.
     */
    void exactFirst(NodeId coordinator, long seq, long index) {
        Coordinator c = coordinators.get(coordinator);
        if (c == null || c.checkpoints == 0 || seq > c.seqs[0] || seq > c.lastSeq) {
            return;
        }
        c.firstSeq = seq;
        c.seqs[0] = seq;
        c.indexes[0] = index;
    }

    /** The coordinators with batches here. */
    List<NodeId> coordinators() {
        return new ArrayList<>(coordinators.keySet());
    }

    /** Coordinator to {@link #lastSeq}, a snapshot. */
    Map<NodeId, Long> vector() {
        Map<NodeId, Long> out = new HashMap<>();
        coordinators.forEach((id, c) -> out.put(id, c.lastSeq));
        return out;
    }
}
