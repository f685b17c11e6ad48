package io.scalesmall.server.storage;

/**
 * Receives the header fields of every retained batch of a log, in index order, from {@link
 * RangeLog#forEachBatchHeader}; used at startup to rebuild state kept above the log (producer
 * deduplication, cursors).
 */
@FunctionalInterface
public interface HeaderVisitor {
    void visit(long index, long producerId, long producerSeq, int count, long hlcTime);
}
