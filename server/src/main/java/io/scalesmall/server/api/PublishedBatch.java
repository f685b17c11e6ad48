package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.RecordReader;

/** What a node checks of a batch a client publishes before it stamps and stores it. Stateless. */
final class PublishedBatch {
    private PublishedBatch() {}

    /**
     * Checks a published batch at {@code at} that fills the rest of its frame ({@code available}
     * bytes): a sane, unstamped, uncompressed header whose length, records length and count match
     * the records, each no larger than {@code maxMessageBytes}.
     *
     * @throws ProtocolException EMPTY_BATCH or INVALID_BATCH naming what is wrong
     */
    static void check(ByteBuf frame, int at, int available, RecordReader recordReader, int maxMessageBytes) {
        if (available >= BatchFormat.HEADER_BYTES && BatchFormat.count(frame, at) == 0) {
            throw new ProtocolException(ErrorCode.EMPTY_BATCH, "the batch has no messages");
        }
        String bad = BatchFormat.checkHeader(frame, at, available);
        if (bad != null) {
            throw new ProtocolException(ErrorCode.INVALID_BATCH, bad);
        }
        int total = BatchFormat.totalBytes(frame, at);
        if (total != available) {
            throw new ProtocolException(ErrorCode.INVALID_BATCH, "batch length " + total + " does not fill the frame");
        }
        if (frame.getByte(at + BatchFormat.ATTRIBUTES_OFFSET) != 0) {
            throw new ProtocolException(
                    ErrorCode.INVALID_BATCH, "published batches must not be compressed nor flagged (attributes 0)");
        }
        int recordsLength = BatchFormat.recordsLength(frame, at);
        if (recordsLength != total - BatchFormat.HEADER_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_BATCH, "records length does not match the batch length");
        }
        RecordReader reader =
                recordReader.reset(frame, at + BatchFormat.HEADER_BYTES, recordsLength, 0, maxMessageBytes);
        int n = 0;
        while (reader.next()) {
            n++;
        }
        int count = BatchFormat.count(frame, at);
        if (n != count) {
            throw new ProtocolException(
                    ErrorCode.INVALID_BATCH, "batch header says " + count + " messages but holds " + n);
        }
    }
}
