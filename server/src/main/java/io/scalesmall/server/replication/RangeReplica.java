package io.scalesmall.server.replication;

import io.netty.buffer.ByteBuf;
import io.scalesmall.server.storage.RangeLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * This node's replica of one range: its log, its producers' idempotence state, the publishes
 * waiting for an fsync, the most recent batches kept in memory for tail readers, and the readers
 * waiting for the next batch.
 *
 * <p>Owned by the data agent thread; only {@link #log} is read by other threads (the log is safe
 * for concurrent readers).
 */
final class RangeReplica {
    /**
     * A publish waiting for the fsync that covers log index {@code durableAt}; it is answered with
     * position {@code index} (0 for a duplicate too old to locate, which waits for everything
     * appended so far).
     */
    record PendingAck(
            long durableAt,
            long index,
            long hlcTime,
            boolean duplicate,
            int requestId,
            int inFlightBytes,
            AckSink sink) {}

    /** A reader waiting for the batch at {@code index}. */
    record Waiter(long index, int maxBytes, TailWaiter waiter) {}

    final RangeKey key;
    final RangeLog log;
    final ProducerTable producers = new ProducerTable();
    final ArrayDeque<PendingAck> pendingDisk = new ArrayDeque<>();
    final List<Waiter> waiters = new ArrayList<>();

    private final ArrayDeque<ByteBuf> recent = new ArrayDeque<>();
    private long recentFirstIndex;
    private long recentBytes;

    long durableIndex;
    boolean appendedSinceNotify;

    /** Whether the range waits in the agent's queue of background syncs, and until when. */
    boolean backgroundSyncQueued;

    long backgroundSyncDueMs;

    RangeReplica(RangeKey key, RangeLog log) {
        this.key = key;
        this.log = log;
        this.durableIndex = log.durableIndex();
    }

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
