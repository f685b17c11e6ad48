package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchCompressionTest {
    private static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(false);
    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    @Test
    void repetitiveRecordsAreStoredLz4CompressedAndSmaller() {
        ByteBuf batch = TestBatches.unstampedBatch(repetitiveMessages(), 1, 0, BASE_TIMESTAMP);
        ByteBuf compressed = BatchCompression.compress(batch, 0, ALLOCATOR);
        try {
            assertThat(BatchFormat.codec(compressed, 0)).isEqualTo(BatchFormat.CODEC_LZ4);
            assertThat(compressed.readableBytes()).isLessThan(batch.readableBytes() / 4);
            assertThat(BatchFormat.recordsLength(compressed, 0)).isEqualTo(BatchFormat.recordsLength(batch, 0));
        } finally {
            compressed.release();
        }
    }

    @Test
    void incompressibleRecordsAreStoredAsTheyAre() {
        byte[] noise = new byte[2000];
        new Random(42).nextBytes(noise);
        ByteBuf batch =
                TestBatches.unstampedBatch(List.of(new TestMessage(0, null, noise, null)), 1, 0, BASE_TIMESTAMP);
        ByteBuf compressed = BatchCompression.compress(batch, 0, ALLOCATOR);
        try {
            assertThat(BatchFormat.codec(compressed, 0)).isEqualTo(BatchFormat.CODEC_NONE);
            assertThat(compressed).isEqualTo(batch);
        } finally {
            compressed.release();
        }
    }

    @Test
    void garbageInsteadOfLz4DataFailsWithInvalidBatch() {
        byte[] garbage = new byte[300];
        new Random(7).nextBytes(garbage);
        ByteBuf batch = lz4Batch(garbage, 5000);
        assertProtocolError(() -> decompress(batch), ErrorCode.INVALID_BATCH);
    }

    @Test
    void compressedRecordsCutShortFailWithInvalidBatch() {
        byte[] stored = storedRecords(compressedBatch());
        for (int cut = 0; cut < stored.length; cut++) {
            byte[] prefix = Arrays.copyOf(stored, cut);
            ByteBuf batch = lz4Batch(prefix, recordsLengthOf(compressedBatch()));
            assertProtocolError(() -> decompress(batch), ErrorCode.INVALID_BATCH);
        }
    }

    @Test
    void recordsLengthThatDisagreesWithTheCompressedDataFailsWithInvalidBatch() {
        ByteBuf compressed = compressedBatch();
        byte[] stored = storedRecords(compressed);
        int realLength = recordsLengthOf(compressed);
        for (int claimed : new int[] {0, 1, realLength - 1, realLength + 1, realLength * 2}) {
            ByteBuf batch = lz4Batch(stored, claimed);
            assertProtocolError(() -> decompress(batch), ErrorCode.INVALID_BATCH);
        }
    }

    @Test
    void uncompressedRecordsWhoseLengthDisagreesWithTheBatchLengthFailWithInvalidBatch() {
        ByteBuf batch = TestBatches.unstampedBatch(repetitiveMessages(), 1, 0, BASE_TIMESTAMP);
        batch.setInt(BatchFormat.RECORDS_LENGTH_OFFSET, BatchFormat.recordsLength(batch, 0) - 1);
        assertProtocolError(() -> decompress(batch), ErrorCode.INVALID_BATCH);
    }

    @Test
    void decompressingAnUncompressedBatchCopiesItsRecords() {
        List<TestMessage> messages = repetitiveMessages();
        ByteBuf batch = TestBatches.unstampedBatch(messages, 1, 0, BASE_TIMESTAMP);
        ByteBuf target = Unpooled.buffer();
        target.writeBytes(new byte[] {1, 2, 3}); // stale content is cleared
        BatchCompression.decompressRecords(batch, 0, target);
        TestBatches.assertRecords(target, 0, target.readableBytes(), BASE_TIMESTAMP, messages);
    }

    @Test
    void decompressesIntoADirectTarget() {
        ByteBuf target = ALLOCATOR.directBuffer(16);
        try {
            BatchCompression.decompressRecords(compressedBatch(), 0, target);
            TestBatches.assertRecords(target, 0, target.readableBytes(), BASE_TIMESTAMP, repetitiveMessages());
        } finally {
            target.release();
        }
    }

    @Test
    void negativeRecordsLengthFailsWithInvalidBatch() {
        ByteBuf batch = lz4Batch(storedRecords(compressedBatch()), -1);
        assertProtocolError(() -> decompress(batch), ErrorCode.INVALID_BATCH);
    }

    @Test
    void recordsLengthFarBeyondWhatTheStoredBytesCanExpandToFailsWithInvalidBatch() {
        // LZ4 expands at most ~255x, so 300 stored bytes can never hold 2 GiB of records
        ByteBuf batch = lz4Batch(storedRecords(compressedBatch()), Integer.MAX_VALUE);
        assertProtocolError(() -> decompress(batch), ErrorCode.INVALID_BATCH);
    }

    @Test
    void decompressesIntoATargetMadeOfSeveralComponents() {
        ByteBuf compressed = compressedBatch();
        int length = recordsLengthOf(compressed);
        CompositeByteBuf target = Unpooled.compositeBuffer();
        target.addComponent(true, Unpooled.wrappedBuffer(new byte[length / 2]));
        target.addComponent(true, Unpooled.wrappedBuffer(new byte[length]));
        assertThat(target.capacity()).isGreaterThan(length);
        BatchCompression.decompressRecords(compressed, 0, target);
        TestBatches.assertRecords(target, 0, target.readableBytes(), BASE_TIMESTAMP, repetitiveMessages());
    }

    static List<TestMessage> repetitiveMessages() {
        List<TestMessage> messages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            messages.add(new TestMessage(
                    i,
                    ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    "the same payload again and again".repeat(3).getBytes(StandardCharsets.UTF_8),
                    List.of(Header.of("type", "order"))));
        }
        return messages;
    }

    /** A heap copy of a compressed batch of {@link #repetitiveMessages()}. */
    static ByteBuf compressedBatch() {
        ByteBuf direct = BatchCompression.compress(
                TestBatches.unstampedBatch(repetitiveMessages(), 1, 0, BASE_TIMESTAMP), 0, ALLOCATOR);
        try {
            assertThat(BatchFormat.codec(direct, 0)).isEqualTo(BatchFormat.CODEC_LZ4);
            return Unpooled.copiedBuffer(direct);
        } finally {
            direct.release();
        }
    }

    static byte[] storedRecords(ByteBuf batch) {
        return ByteBufUtil.getBytes(batch, BatchFormat.HEADER_BYTES, batch.readableBytes() - BatchFormat.HEADER_BYTES);
    }

    static int recordsLengthOf(ByteBuf batch) {
        return BatchFormat.recordsLength(batch, 0);
    }

    /** A batch marked LZ4 whose stored records are {@code stored} and whose header claims {@code recordsLength}. */
    static ByteBuf lz4Batch(byte[] stored, int recordsLength) {
        ByteBuf batch = Unpooled.buffer();
        BatchFormat.writeUnstampedHeader(batch, 1, 1, 0, BASE_TIMESTAMP, stored.length);
        batch.writeBytes(stored);
        batch.setByte(BatchFormat.ATTRIBUTES_OFFSET, BatchFormat.CODEC_LZ4);
        batch.setInt(BatchFormat.RECORDS_LENGTH_OFFSET, recordsLength);
        return batch;
    }

    private static ByteBuf decompress(ByteBuf batch) {
        ByteBuf target = Unpooled.buffer();
        BatchCompression.decompressRecords(batch, 0, target);
        return target;
    }
}
