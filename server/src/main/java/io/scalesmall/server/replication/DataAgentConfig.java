package io.scalesmall.server.replication;

import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.storage.StorageConfig;

/**
 * Settings of the data agent.
 *
 * @param storage segment and index settings of every range log
 * @param retention when to delete old segments
 * @param defaultStreamOptions options of streams created by their first publish
 * @param memoryTailBytes budget for recent batches kept in memory for tail readers, across ranges
 * @param producerExpiryMs forget a producer's idempotence state after this long without a batch
 * @param queueCapacity bound of the agent's task queue; a full queue answers BUSY
 * @param idlePollMs how long the agent waits for work before running its timers
 * @param backgroundSyncMs the longest appended batches wait for an fsync when no publish waits
 *     for one (only memory policies are pending): the bound on what a power loss can take from
 *     memory-policy data. Publishes waiting for a disk ack are synced at once. 0 syncs after every
 *     burst of appends.
 * @param replicationTimeoutMs a publish whose policy the replicas do not meet in this time fails
 *     with NOT_ENOUGH_REPLICAS (what was stored stays stored)
 * @param repairIntervalMs how often each replica reports its progress to the others while idle and
 *     compares theirs with its own to pull what it lacks
 * @param repairPullBytes the most bytes one pull asks for; one pull per coordinator and range at a
 *     time, so repair takes a bounded share of the node
 * @param repairBytesPerSecond how fast a replica filling a sealed range (a restored copy, or a
 *     replica back from a long absence) may pull beyond one pull per repair interval
 * @param restoreDelayMs how long a holder must have been DEAD or LEFT before the copies it held
 *     are made again on other nodes; long enough for a restart not to cause copies
 */
public record DataAgentConfig(
        StorageConfig storage,
        RetentionConfig retention,
        StreamOptions defaultStreamOptions,
        long memoryTailBytes,
        long producerExpiryMs,
        int queueCapacity,
        long idlePollMs,
        long backgroundSyncMs,
        long replicationTimeoutMs,
        long repairIntervalMs,
        int repairPullBytes,
        long repairBytesPerSecond,
        long restoreDelayMs) {
    public static final long DEFAULT_MEMORY_TAIL_BYTES = 128L * 1024 * 1024;
    public static final long DEFAULT_PRODUCER_EXPIRY_MS = 7L * 24 * 3600 * 1000;
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final long DEFAULT_IDLE_POLL_MS = 100;
    /**
     * Default {@link #backgroundSyncMs()}: 5 ms, instead of an fsync per burst of memory-policy
     * appends (thousands a second under load, each a handful of context switches and a journal
     * commit that the publishers do not wait for).
     */
    public static final long DEFAULT_BACKGROUND_SYNC_MS = 5;

    public static final long DEFAULT_REPLICATION_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_REPAIR_INTERVAL_MS = 500;
    public static final int DEFAULT_REPAIR_PULL_BYTES = 1 << 20;
    public static final long DEFAULT_REPAIR_BYTES_PER_SECOND = 32L << 20;
    /** Default {@link #restoreDelayMs()}: one minute, as Elasticsearch waits for a node that left. */
    public static final long DEFAULT_RESTORE_DELAY_MS = 60_000;

    public DataAgentConfig {
        if (backgroundSyncMs < 0) {
            throw new IllegalArgumentException("backgroundSyncMs must not be negative");
        }
        if (replicationTimeoutMs <= 0 || repairIntervalMs <= 0 || repairPullBytes <= 0) {
            throw new IllegalArgumentException("replication timeout, repair interval and pull bytes must be positive");
        }
        if (repairBytesPerSecond <= 0 || restoreDelayMs < 0) {
            throw new IllegalArgumentException(
                    "repair bytes per second must be positive and the restore delay not negative");
        }
    }

    /** Settings with the default replication and repair settings. */
    public DataAgentConfig(
            StorageConfig storage,
            RetentionConfig retention,
            StreamOptions defaultStreamOptions,
            long memoryTailBytes,
            long producerExpiryMs,
            int queueCapacity,
            long idlePollMs,
            long backgroundSyncMs) {
        this(
                storage,
                retention,
                defaultStreamOptions,
                memoryTailBytes,
                producerExpiryMs,
                queueCapacity,
                idlePollMs,
                backgroundSyncMs,
                DEFAULT_REPLICATION_TIMEOUT_MS,
                DEFAULT_REPAIR_INTERVAL_MS,
                DEFAULT_REPAIR_PULL_BYTES,
                DEFAULT_REPAIR_BYTES_PER_SECOND,
                DEFAULT_RESTORE_DELAY_MS);
    }

    /** A copy with other replication and repair settings. */
    public DataAgentConfig withReplication(long newReplicationTimeoutMs, long newRepairIntervalMs, int newPullBytes) {
        return new DataAgentConfig(
                storage,
                retention,
                defaultStreamOptions,
                memoryTailBytes,
                producerExpiryMs,
                queueCapacity,
                idlePollMs,
                backgroundSyncMs,
                newReplicationTimeoutMs,
                newRepairIntervalMs,
                newPullBytes,
                repairBytesPerSecond,
                restoreDelayMs);
    }

    /** A copy with other retention settings. */
    public DataAgentConfig withRetention(RetentionConfig newRetention) {
        return new DataAgentConfig(
                storage,
                newRetention,
                defaultStreamOptions,
                memoryTailBytes,
                producerExpiryMs,
                queueCapacity,
                idlePollMs,
                backgroundSyncMs,
                replicationTimeoutMs,
                repairIntervalMs,
                repairPullBytes,
                repairBytesPerSecond,
                restoreDelayMs);
    }

    /** Settings with the default {@link #backgroundSyncMs()}. */
    public DataAgentConfig(
            StorageConfig storage,
            RetentionConfig retention,
            StreamOptions defaultStreamOptions,
            long memoryTailBytes,
            long producerExpiryMs,
            int queueCapacity,
            long idlePollMs) {
        this(
                storage,
                retention,
                defaultStreamOptions,
                memoryTailBytes,
                producerExpiryMs,
                queueCapacity,
                idlePollMs,
                DEFAULT_BACKGROUND_SYNC_MS);
    }

    /** Defaults everywhere but the storage settings. */
    public static DataAgentConfig defaults(StorageConfig storage, RetentionConfig retention) {
        return new DataAgentConfig(
                storage,
                retention,
                StreamOptions.DEFAULT,
                DEFAULT_MEMORY_TAIL_BYTES,
                DEFAULT_PRODUCER_EXPIRY_MS,
                DEFAULT_QUEUE_CAPACITY,
                DEFAULT_IDLE_POLL_MS,
                DEFAULT_BACKGROUND_SYNC_MS);
    }
}
