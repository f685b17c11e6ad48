package io.scalesmall.server.storage;

/**
 * Told the outcome of each sync a {@link SyncAgent} runs. Called on the agent's thread: hand the
 * result to the log owner's thread and return quickly, since every other log waits meanwhile.
 */
public interface SyncListener {
    /** Every batch of {@code log} up to {@code durableIndex} is on disk. */
    void onDurable(RangeLog log, long durableIndex);

    /**
     * The sync failed. After a failed fsync the log refuses further syncs (the kernel may have
     * dropped the unwritten pages); the owner should close it and reopen it, which recovers it.
     */
    void onSyncFailed(RangeLog log, Exception cause);

    /** A sync took {@code nanos}, for the fsync latency metric; before {@link #onDurable}. */
    default void onSyncTimed(long nanos) {}
}
