package io.scalesmall.server.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Whole batches read from a {@link RangeLog}, as stored. The caller owns {@code batches} and must
 * release it (or pass it on to something that will). Empty when {@code lastIndex < firstIndex}.
 *
 * @param batches the stored bytes of batches {@code firstIndex..lastIndex}, back to back
 * @param firstIndex log index of the first batch (where the next read would start, if empty)
 * @param lastIndex log index of the last batch
 * @param truncated the requested index was older than the oldest retained batch, so the read
 *     started at the oldest retained one: the reader missed batches
 */
public record ReadResult(ByteBuf batches, long firstIndex, long lastIndex, boolean truncated) {
    static ReadResult empty(long nextIndex, boolean truncated) {
        return new ReadResult(Unpooled.EMPTY_BUFFER, nextIndex, nextIndex - 1, truncated);
    }

    /** Number of batches. */
    public int count() {
        return (int) (lastIndex - firstIndex + 1);
    }

    public boolean isEmpty() {
        return lastIndex < firstIndex;
    }

    /** Releases {@link #batches}. */
    public boolean release() {
        return batches.release();
    }
}
