package io.scalesmall.client;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCursor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reader's position in one range, kept mutable and allocation-free for per-message updates:
 * the version vector of {@link RangeCursor} as parallel arrays. Entry {@code i} means every batch
 * of coordinator {@code i} up to {@code seq[i]} was read, plus {@code skip[i]} messages of the next.
 *
 * <p>Not thread-safe; owned by one reader thread.
 */
final class RangePosition {
    final int rangeId;
    private NodeId[] ids = new NodeId[2];
    private long[] high = new long[2];
    private long[] low = new long[2];
    private long[] seq = new long[2];
    private int[] skip = new int[2];
    private int size;

    /** Whether the server has told this reader where it stands in the range (or the user has). */
    boolean started;

    RangePosition(int rangeId) {
        this.rangeId = rangeId;
    }

    /** A position equal to {@code cursor}. */
    static RangePosition of(RangeCursor cursor) {
        RangePosition p = new RangePosition(cursor.rangeId());
        p.merge(cursor);
        return p;
    }

    /** The entry of the coordinator with this id, or -1. */
    int indexOf(long idHigh, long idLow) {
        for (int i = 0; i < size; i++) {
            if (high[i] == idHigh && low[i] == idLow) {
                return i;
            }
        }
        return -1;
    }

    /** Adds an entry; returns its index. */
    int add(NodeId id, long batchSeq, int skipped) {
        if (size == ids.length) {
            int n = size * 2;
            ids = Arrays.copyOf(ids, n);
            high = Arrays.copyOf(high, n);
            low = Arrays.copyOf(low, n);
            seq = Arrays.copyOf(seq, n);
            skip = Arrays.copyOf(skip, n);
        }
        ids[size] = id;
        high[size] = id.high();
        low[size] = id.low();
        seq[size] = batchSeq;
        skip[size] = skipped;
        return size++;
    }

    NodeId id(int i) {
        return ids[i];
    }

    long seq(int i) {
        return seq[i];
    }

    int skip(int i) {
        return skip[i];
    }

    /** Takes every entry of {@code cursor} that is ahead of this position. */
    void merge(RangeCursor cursor) {
        for (RangeCursor.Entry e : cursor.entries()) {
            NodeId id = e.coordinator();
            int i = indexOf(id.high(), id.low());
            if (i < 0) {
                add(id, e.batchSeq(), e.skip());
            } else if (e.batchSeq() > seq[i] || (e.batchSeq() == seq[i] && e.skip() > skip[i])) {
                seq[i] = e.batchSeq();
                skip[i] = e.skip();
            }
        }
    }

    /** Records that message {@code index} of {@code count} in batch {@code batchSeq} was delivered. */
    void afterMessage(int i, long batchSeq, int index, int count) {
        if (index + 1 >= count) {
            seq[i] = batchSeq;
            skip[i] = 0;
        } else {
            seq[i] = batchSeq - 1;
            skip[i] = index + 1;
        }
    }

    /** Records that batch {@code batchSeq} was read completely. */
    void afterBatch(int i, long batchSeq) {
        seq[i] = batchSeq;
        skip[i] = 0;
    }

    /** The position as an immutable cursor. */
    RangeCursor toRangeCursor() {
        return new RangeCursor(rangeId, entries(-1, 0, 0, 0));
    }

    /** The position as it will be after message {@code index} of that batch of entry {@code i}. */
    RangeCursor toRangeCursorAfter(int i, long batchSeq, int index, int count) {
        return new RangeCursor(rangeId, entries(i, batchSeq, index, count));
    }

    private List<RangeCursor.Entry> entries(int replaced, long batchSeq, int index, int count) {
        List<RangeCursor.Entry> entries = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            if (i == replaced) {
                entries.add(
                        index + 1 >= count
                                ? new RangeCursor.Entry(ids[i], batchSeq, 0)
                                : new RangeCursor.Entry(ids[i], batchSeq - 1, index + 1));
            } else {
                entries.add(new RangeCursor.Entry(ids[i], seq[i], skip[i]));
            }
        }
        return entries;
    }
}
