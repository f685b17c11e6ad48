package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Messages written with {@link RecordCodec} into a batch come back exactly through {@link RecordReader}: as
 * written, after LZ4 compression, and with a coordinator stamp whose CRC detects any changed byte.
 */
class RecordCodecProperties {
    private static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(false);

    @Property
    void bodySizeEqualsTheBytesWrittenAfterTheLengthVarint(@ForAll("messages") TestMessage m) {
        ByteBuf out = Unpooled.buffer();
        int bodySize = m.bodySize();
        RecordCodec.write(out, bodySize, m.timestampDelta(), m.key(), m.value(), m.headers());
        assertThat(out.readableBytes()).isEqualTo(RecordCodec.recordSize(bodySize));
        assertThat(out.readableBytes() - FieldCodec.varintSize(bodySize)).isEqualTo(bodySize);
    }

    @Property(tries = 500)
    void recordReaderReturnsEveryMessageOfAnUncompressedBatchExactly(
            @ForAll("messageLists") List<TestMessage> messages,
            @ForAll long producerId,
            @ForAll long producerSeq,
            @ForAll("baseTimestamps") long baseTimestamp) {
        ByteBuf batch = TestBatches.unstampedBatch(messages, producerId, producerSeq, baseTimestamp);

        assertThat(BatchFormat.checkHeader(batch, 0, batch.readableBytes())).isNull();
        assertThat(BatchFormat.count(batch, 0)).isEqualTo(messages.size());
        assertThat(BatchFormat.codec(batch, 0)).isEqualTo(BatchFormat.CODEC_NONE);
        assertThat(BatchFormat.producerId(batch, 0)).isEqualTo(producerId);
        assertThat(BatchFormat.producerSeq(batch, 0)).isEqualTo(producerSeq);
        assertThat(BatchFormat.baseTimestamp(batch, 0)).isEqualTo(baseTimestamp);
        assertThat(BatchFormat.coordinator(batch, 0)).isEqualTo(NodeId.NONE);
        assertThat(BatchFormat.batchSeq(batch, 0)).isZero();
        assertThat(batch.getInt(BatchFormat.CRC_OFFSET)).isZero();
        TestBatches.assertRecords(
                batch, BatchFormat.HEADER_BYTES, BatchFormat.recordsLength(batch, 0), baseTimestamp, messages);
    }

    @Property(tries = 500)
    void recordReaderReturnsEveryMessageAfterCompressAndDecompress(
            @ForAll("messageLists") List<TestMessage> messages,
            @ForAll long producerId,
            @ForAll long producerSeq,
            @ForAll("baseTimestamps") long baseTimestamp,
            @ForAll @IntRange(max = 40) int offset) {
        ByteBuf batch = TestBatches.unstampedBatch(messages, producerId, producerSeq, baseTimestamp);
        ByteBuf shifted = Unpooled.buffer().writeZero(offset).writeBytes(batch.duplicate());

        ByteBuf compressed = BatchCompression.compress(shifted, offset, ALLOCATOR);
        try {
            assertThat(compressed.readableBytes()).isEqualTo(BatchFormat.totalBytes(compressed, 0));
            assertThat(compressed.readableBytes()).isLessThanOrEqualTo(batch.readableBytes());
            assertThat(BatchFormat.checkHeader(compressed, 0, compressed.readableBytes()))
                    .isNull();
            assertThat(BatchFormat.count(compressed, 0)).isEqualTo(messages.size());
            assertThat(BatchFormat.producerId(compressed, 0)).isEqualTo(producerId);
            assertThat(BatchFormat.producerSeq(compressed, 0)).isEqualTo(producerSeq);
            assertThat(BatchFormat.baseTimestamp(compressed, 0)).isEqualTo(baseTimestamp);
            assertThat(BatchFormat.recordsLength(compressed, 0)).isEqualTo(BatchFormat.recordsLength(batch, 0));

            ByteBuf records = Unpooled.buffer(1);
            BatchCompression.decompressRecords(compressed, 0, records);
            assertThat(records.readableBytes()).isEqualTo(BatchFormat.recordsLength(batch, 0));
            assertThat(records).isEqualTo(batch.slice(BatchFormat.HEADER_BYTES, records.readableBytes()));
            TestBatches.assertRecords(records, 0, records.readableBytes(), baseTimestamp, messages);
        } finally {
            compressed.release();
        }
        assertThat(shifted.slice(offset, batch.readableBytes()))
                .as("source untouched")
                .isEqualTo(batch);
    }

    @Property(tries = 300)
    void stampedBatchHasAValidCrcThatAnySingleChangedByteAfterTheLengthBreaks(
            @ForAll("messageLists") List<TestMessage> messages,
            @ForAll("nodeIds") NodeId coordinator,
            @ForAll long batchSeq,
            @ForAll long hlcTime,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int position,
            @ForAll @IntRange(min = 1, max = 255) int flipMask) {
        ByteBuf batch =
                BatchCompression.compress(TestBatches.unstampedBatch(messages, 1, 0, 1_700_000_000_000L), 0, ALLOCATOR);
        try {
            BatchFormat.stamp(batch, 0, coordinator, batchSeq, hlcTime);
            BatchFormat.writeCrc(batch, 0);

            assertThat(BatchFormat.isCrcValid(batch, 0)).isTrue();
            assertThat(BatchFormat.coordinator(batch, 0)).isEqualTo(coordinator);
            assertThat(BatchFormat.batchSeq(batch, 0)).isEqualTo(batchSeq);
            assertThat(BatchFormat.hlcTime(batch, 0)).isEqualTo(hlcTime);

            int total = BatchFormat.totalBytes(batch, 0);
            int index = BatchFormat.CRC_OFFSET + position % (total - BatchFormat.CRC_OFFSET);
            batch.setByte(index, batch.getByte(index) ^ flipMask);
            assertThat(BatchFormat.isCrcValid(batch, 0))
                    .as("CRC after xor 0x%02x at index %d of %d", flipMask, index, total)
                    .isFalse();
            batch.setByte(index, batch.getByte(index) ^ flipMask);
            assertThat(BatchFormat.isCrcValid(batch, 0)).isTrue();
        } finally {
            batch.release();
        }
    }

    @Provide
    Arbitrary<TestMessage> messages() {
        return WireArbitraries.messages();
    }

    @Provide
    Arbitrary<List<TestMessage>> messageLists() {
        return WireArbitraries.messages().list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<Long> baseTimestamps() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 4_000_000_000_000L), Arbitraries.longs());
    }

    @Provide
    Arbitrary<NodeId> nodeIds() {
        return WireArbitraries.nodeIds();
    }
}
