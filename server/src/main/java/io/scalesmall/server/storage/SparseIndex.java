package io.scalesmall.server.storage;

import io.scalesmall.protocol.BatchFormat;

/**
 * The sparse index of one segment: entries (log index, file position, hlcTime) in append order, in
 * primitive arrays (16 bytes an entry). Both keys grow with the entry number, so lookups are binary
 * searches.
 *
 * <p>Thread-safety: one writer (the log's owner thread, or the opener) adds entries; any thread may
 * read concurrently. The writer fills an entry (copying into larger arrays first if needed), then
 * publishes the arrays and the count through volatile writes; a reader reads the count first and
 * only looks at entries below it, which every later array version also holds.
 */
final class SparseIndex {
    private static final int INITIAL_CAPACITY = 16;

    private static final class Entries {
        final int[] relativeIndex;
        final int[] position;
        final long[] hlcTime;

        Entries(int capacity) {
            relativeIndex = new int[capacity];
            position = new int[capacity];
            hlcTime = new long[capacity];
        }

        Entries copy(int capacity, int count) {
            Entries bigger = new Entries(capacity);
            System.arraycopy(relativeIndex, 0, bigger.relativeIndex, 0, count);
            System.arraycopy(position, 0, bigger.position, 0, count);
            System.arraycopy(hlcTime, 0, bigger.hlcTime, 0, count);
            return bigger;
        }
    }

    private final long baseIndex;
    private volatile Entries entries = new Entries(INITIAL_CAPACITY);
    private volatile int count;

    SparseIndex(long baseIndex) {
        this.baseIndex = baseIndex;
    }

    /** Adds an entry; index and position must be larger than the last entry's. Writer only. */
    void add(long index, long position, long hlcTime) {
        int n = count;
        Entries e = entries;
        if (n == e.position.length) {
            e = e.copy(n * 2, n);
        }
        e.relativeIndex[n] = Math.toIntExact(index - baseIndex);
        e.position[n] = Math.toIntExact(position);
        e.hlcTime[n] = hlcTime;
        entries = e;
        count = n + 1;
    }

    /** Shrinks the arrays to the entries held, once no more will be added. Writer only. */
    void trim() {
        int n = count;
        if (n < entries.position.length) {
            entries = entries.copy(Math.max(n, 1), n);
        }
    }

    int count() {
        return count;
    }

    long index(int slot) {
        return baseIndex + entries.relativeIndex[slot];
    }

    long position(int slot) {
        return entries.position[slot];
    }

    long hlcTime(int slot) {
        return entries.hlcTime[slot];
    }

    /** The last slot whose index is at most {@code index}, or -1. */
    int floorByIndex(long index) {
        int n = count;
        Entries e = entries;
        long relative = index - baseIndex;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e.relativeIndex[mid] <= relative) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The last slot whose batch is older than {@code timestampMs}, or -1. */
    int lastBeforeMillis(long timestampMs) {
        int n = count;
        Entries e = entries;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (BatchFormat.hlcMillis(e.hlcTime[mid]) < timestampMs) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
