package io.scalesmall.server.cluster;

/**
 * A hybrid logical clock: timestamps that never go backwards, stay close to wall time and order
 * events across nodes. A time is packed into a long as {@code physicalMs << 16 | logical}.
 *
 * <p>Sans-IO: the caller passes the wall-clock reading. Thread-safe (the data agent stamps
 * batches with it, placement stamps the ranges it creates); each call takes a lock held for a few
 * instructions.
 */
public final class HybridLogicalClock {
    private static final int LOGICAL_BITS = 16;
    private static final long LOGICAL_MASK = (1L << LOGICAL_BITS) - 1;

    private long last;

    /** A clock that will never issue a time at or below {@code floor}. */
    public HybridLogicalClock(long floor) {
        this.last = floor;
    }

    /** A new time, after every time issued or observed so far, for a local event at {@code nowMs}. */
    public synchronized long tick(long nowMs) {
        long physical = last >>> LOGICAL_BITS;
        if (nowMs > physical) {
            last = nowMs << LOGICAL_BITS;
        } else if ((last & LOGICAL_MASK) == LOGICAL_MASK) {
            last = (physical + 1) << LOGICAL_BITS;
        } else {
            last++;
        }
        return last;
    }

    /** Moves the clock past a time seen from another node. */
    public synchronized void observe(long remoteTime) {
        if (remoteTime > last) {
            last = remoteTime;
        }
    }

    /** The wall-clock milliseconds of a packed time. */
    public static long millis(long time) {
        return time >>> LOGICAL_BITS;
    }

    /** The smallest packed time at {@code ms}. */
    public static long fromMillis(long ms) {
        return ms << LOGICAL_BITS;
    }
}
