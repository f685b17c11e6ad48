package io.scalesmall.server.replication;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A reader waiting at the end of a range for the next batch. Called once, on the data agent
 * thread, when the awaited batch exists; implementations hand the work to their own thread.
 */
public interface TailWaiter {
    /**
     * The awaited batch exists.
     *
     * @param firstIndex log index of the first buffer
     * @param batches batches from the awaited index on, taken from the in-memory tail (retained
     *     for the waiter, which must release them); empty when they are no longer in memory and
     *     must be read from the log
     */
    void onData(long firstIndex, List<ByteBuf> batches);

    /** The range will not get more data here (the node is stopping). */
    void onClosed();

    /**
     * The range is sealed and settled, and the reader is at its end: no batch will follow,
     * anywhere. A reader of the range's key slice moves on to the next range.
     */
    void onEnded();

    /** For {@link DataAgent#pollData}: the batch does not exist yet and the range has not ended. */
    default void onNoData() {}
}
