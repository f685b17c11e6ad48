package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertReturnsOrProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The safe LZ4 path: hostile compressed bytes never escape as anything but INVALID_BATCH. */
class BatchCompressionProperties {

    @Property(tries = 2000)
    void randomBytesMarkedLz4DecompressToTheClaimedLengthOrFailWithInvalidBatch(
            @ForAll("garbage") byte[] stored, @ForAll @IntRange(max = 70_000) int claimedLength) {
        ByteBuf batch = BatchCompressionTest.lz4Batch(stored, claimedLength);
        ByteBuf target = Unpooled.buffer();
        assertReturnsOrProtocolError(
                () -> {
                    BatchCompression.decompressRecords(batch, 0, target);
                    assertThat(target.readableBytes()).isEqualTo(claimedLength);
                    return target;
                },
                ErrorCode.INVALID_BATCH);
    }

    @Property(tries = 1000)
    void compressedBatchWithOneChangedByteDecompressesOrFailsWithInvalidBatch(
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int position, @ForAll byte newValue) {
        ByteBuf compressed = BatchCompressionTest.compressedBatch();
        byte[] stored = BatchCompressionTest.storedRecords(compressed);
        stored[position % stored.length] = newValue;
        int claimed = BatchCompressionTest.recordsLengthOf(compressed);
        ByteBuf batch = BatchCompressionTest.lz4Batch(stored, claimed);
        ByteBuf target = Unpooled.buffer();
        assertReturnsOrProtocolError(
                () -> {
                    BatchCompression.decompressRecords(batch, 0, target);
                    assertThat(target.readableBytes()).isEqualTo(claimed);
                    return ByteBufUtil.getBytes(target);
                },
                ErrorCode.INVALID_BATCH);
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return WireArbitraries.bytes(500);
    }
}
