package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;

/** Builds batches the way a producer does and reads their records back. */
final class TestBatches {
    private TestBatches() {}

    /** The records section of {@code messages}, as {@link RecordCodec} writes it. */
    static ByteBuf records(List<TestMessage> messages) {
        ByteBuf out = Unpooled.buffer();
        for (TestMessage m : messages) {
            int bodySize = m.bodySize();
            int start = out.writerIndex();
            RecordCodec.write(out, bodySize, m.timestampDelta(), m.key(), m.value(), m.headers());
            assertThat(out.writerIndex() - start)
                    .as("bytes written for %s", m)
                    .isEqualTo(RecordCodec.recordSize(bodySize));
        }
        return out;
    }

    /** An unstamped, uncompressed batch holding {@code messages}, starting at index 0. */
    static ByteBuf unstampedBatch(List<TestMessage> messages, long producerId, long producerSeq, long baseTimestamp) {
        int recordsLength = 0;
        for (TestMessage m : messages) {
            recordsLength += RecordCodec.recordSize(m.bodySize());
        }
        ByteBuf batch = Unpooled.buffer(BatchFormat.HEADER_BYTES + recordsLength);
        BatchFormat.writeUnstampedHeader(batch, messages.size(), producerId, producerSeq, baseTimestamp, recordsLength);
        ByteBuf records = records(messages);
        batch.writeBytes(records);
        assertThat(batch.readableBytes()).isEqualTo(BatchFormat.totalBytes(batch, 0));
        return batch;
    }

    /** Reads every record of a records section and checks it against {@code expected}. */
    static void assertRecords(ByteBuf records, int offset, int length, long baseTimestamp, List<TestMessage> expected) {
        RecordReader reader = new RecordReader().reset(records, offset, length, baseTimestamp, Integer.MAX_VALUE);
        for (TestMessage m : expected) {
            assertThat(reader.next()).as("a record for %s", m).isTrue();
            assertThat(reader.timestamp()).isEqualTo(baseTimestamp + m.timestampDelta());
            assertThat(reader.keyBytes()).isEqualTo(m.key());
            assertThat(reader.keyLength()).isEqualTo(m.key() == null ? -1 : m.key().length);
            assertThat(reader.valueBytes()).isEqualTo(m.value());
            assertThat(reader.headerCount()).isEqualTo(m.headersOrEmpty().size());
            assertThat(reader.headers()).isEqualTo(m.headersOrEmpty());
        }
        assertThat(reader.hasNext()).isFalse();
        assertThat(reader.next()).isFalse();
    }
}
