package io.scalesmall.server.storage;

/**
 * Receives the header of every retained batch of a log, in index order, from {@link
 * RangeLog#forEachBatchHeader}; used at startup to rebuild state kept above the log (producer
 * deduplication, coordinator sequences, cursors).
 */
@FunctionalInterface
public interface HeaderVisitor {
    /** {@code header} is valid only during the call. */
    void visit(long index, BatchHeader header);

    /** Like a visitor, but may stop the walk. */
    @FunctionalInterface
    interface Walk {
        /** {@code header} is valid only during the call; return false to stop. */
        boolean visit(long index, BatchHeader header);
    }

    /** The fields of one batch header (see {@link io.scalesmall.protocol.BatchFormat}). */
    interface BatchHeader {
        long coordinatorHigh();

        long coordinatorLow();

        long batchSeq();

        long hlcTime();

        long producerId();

        long producerSeq();

        int count();

        int attributes();
    }
}
