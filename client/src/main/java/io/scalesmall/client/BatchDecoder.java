package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.RecordReader;

/**
 * Turns the batches of a FETCH_OK or SUBSCRIBE_DATA body into messages for a {@link Sink}, and
 * keeps the reader's {@link RangePosition} just after the last message the sink accepted.
 *
 * <p>Each batch is checked (header, CRC), decompressed once into one reused buffer and walked
 * with one reused {@link RecordReader} and {@link MessageView}: nothing is allocated per message.
 * Batches the position already covers are skipped, and the first {@code skip} messages of the
 * batch right after a coordinator's entry, so a resumed read neither loses nor repeats messages;
 * so are batches flagged as duplicates (a retry stored under a second coordinator).
 *
 * <p>Not thread-safe; owned by one reader thread.
 */
final class BatchDecoder {
    private static final int INITIAL_RECORDS_BYTES = 64 * 1024;

    /** Receives each message; returns false to stop decoding. */
    interface Sink {
        boolean accept(MessageView message);
    }

    private final ByteBuf records = Unpooled.buffer(INITIAL_RECORDS_BYTES);
    private final RecordReader reader = new RecordReader();
    private final MessageView view;

    BatchDecoder(MessageView.CursorSource cursors) {
        this.view = new MessageView(reader, cursors);
    }

    /**
     * Decodes {@code batchesLength} bytes of batches starting at {@code body}'s reader index.
     *
     * @return false when the sink stopped the decoding
     * @throws ProtocolException with INVALID_BATCH when a batch is corrupt
     */
    boolean decode(String stream, ByteBuf body, int batchesLength, RangePosition position, Sink sink) {
        int at = body.readerIndex();
        int end = at + batchesLength;
        while (at < end) {
            String problem = BatchFormat.checkHeader(body, at, end - at);
            if (problem != null) {
                throw new ProtocolException(ErrorCode.INVALID_BATCH, problem);
            }
            int total = BatchFormat.totalBytes(body, at);
            if (!BatchFormat.isCrcValid(body, at)) {
                throw new ProtocolException(ErrorCode.INVALID_BATCH, "batch CRC mismatch");
            }
            long idHigh = body.getLong(at + BatchFormat.COORDINATOR_OFFSET);
            long idLow = body.getLong(at + BatchFormat.COORDINATOR_OFFSET + 8);
            long batchSeq = BatchFormat.batchSeq(body, at);
            int count = BatchFormat.count(body, at);
            int entry = position.indexOf(idHigh, idLow);
            int skip = 0;
            if (entry < 0) {
                entry = position.add(new NodeId(idHigh, idLow), 0, 0);
            } else if (batchSeq <= position.seq(entry)) {
                at += total;
                continue;
            } else if (batchSeq == position.seq(entry) + 1) {
                skip = position.skip(entry);
            }
            if (skip >= count || BatchFormat.isDuplicate(body, at)) {
                // Fully read before, or a copy of messages stored in another batch of the range.
                position.afterBatch(entry, batchSeq);
                at += total;
                continue;
            }
            BatchCompression.decompressRecords(body, at, records);
            reader.reset(records, 0, records.readableBytes(), BatchFormat.baseTimestamp(body, at), Integer.MAX_VALUE);
            view.beginBatch(stream, position, entry, batchSeq, BatchFormat.hlcTime(body, at), count, records);
            int i = 0;
            while (reader.next()) {
                if (i >= skip) {
                    view.index = i;
                    if (!sink.accept(view)) {
                        return false;
                    }
                    position.afterMessage(entry, batchSeq, i, count);
                }
                i++;
            }
            if (i != count) {
                throw new ProtocolException(
                        ErrorCode.INVALID_BATCH, "batch header counts " + count + " messages, records hold " + i);
            }
            at += total;
        }
        return true;
    }
}
