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
 */
public record DataAgentConfig(
        StorageConfig storage,
        RetentionConfig retention,
        StreamOptions defaultStreamOptions,
        long memoryTailBytes,
        long producerExpiryMs,
        int queueCapacity,
        long idlePollMs) {
    public static final long DEFAULT_MEMORY_TAIL_BYTES = 128L * 1024 * 1024;
    public static final long DEFAULT_PRODUCER_EXPIRY_MS = 7L * 24 * 3600 * 1000;
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final long DEFAULT_IDLE_POLL_MS = 100;

    /** Defaults everywhere but the storage settings. */
    public static DataAgentConfig defaults(StorageConfig storage, RetentionConfig retention) {
        return new DataAgentConfig(
                storage,
                retention,
                StreamOptions.DEFAULT,
                DEFAULT_MEMORY_TAIL_BYTES,
                DEFAULT_PRODUCER_EXPIRY_MS,
                DEFAULT_QUEUE_CAPACITY,
                DEFAULT_IDLE_POLL_MS);
    }
}
