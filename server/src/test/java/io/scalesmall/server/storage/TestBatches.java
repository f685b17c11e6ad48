package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.NodeId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds stamped batches for storage tests and remembers their bytes for comparison. */
final class TestBatches {
    static final NodeId NODE = new NodeId(0x1234, 0x5678);
    static final long BASE_MS = 1_700_000_000_000L;

    private final Random random;
    private final List<byte[]> appended = new ArrayList<>();

    TestBatches(long seed) {
        this.random = new Random(seed);
    }

    /** hlcTime of batch {@code index}: several batches share a millisecond. */
    static long hlcTimeOf(long index) {
        return ((BASE_MS + index / 3 * 5) << 16) | (index % 3);
    }

    static ByteBuf batch(long index, long hlcTime, int recordsLength, Random random) {
        ByteBuf buf = Unpooled.buffer(BatchFormat.HEADER_BYTES + recordsLength);
        BatchFormat.writeUnstampedHeader(buf, 1 + (int) (index % 5), 77, index * 10, BASE_MS + index, recordsLength);
        byte[] records = new byte[recordsLength];
        random.nextBytes(records);
        buf.writeBytes(records);
        BatchFormat.stamp(buf, 0, NODE, index, hlcTime);
        BatchFormat.writeCrc(buf, 0);
        return buf;
    }

    /** Appends the next batch with {@code recordsLength} random record bytes; returns its index. */
    long append(RangeLog log, int recordsLength) throws IOException {
        long index = log.nextIndex();
        ByteBuf buf = batch(index, hlcTimeOf(index), recordsLength, random);
        try {
            byte[] bytes = ByteBufUtil.getBytes(buf);
            assertThat(log.append(buf)).isEqualTo(index);
            record(index, bytes);
            return index;
        } finally {
            buf.release();
        }
    }

    /** Builds the next batch for {@code log} without appending it; the caller releases it. */
    ByteBuf next(RangeLog log, int recordsLength) {
        long index = log.nextIndex();
        return batch(index, hlcTimeOf(index), recordsLength, random);
    }

    void record(long index, byte[] bytes) {
        while (appended.size() < index) {
            appended.add(null);
        }
        appended.set((int) index - 1, bytes);
    }

    byte[] bytesOf(long index) {
        return appended.get((int) index - 1);
    }

    int count() {
        return appended.size();
    }

    /** Reads the whole log batch by batch and checks it holds exactly the batches {@code first..last}. */
    void assertLogHolds(RangeLog log, long first, long last) throws IOException {
        assertThat(log.firstIndex()).isEqualTo(first);
        assertThat(log.nextIndex()).isEqualTo(last + 1);
        long index = first;
        while (index <= last) {
            ReadResult read = log.read(index, 64 * 1024);
            try {
                assertThat(read.firstIndex()).isEqualTo(index);
                assertThat(read.truncated()).isFalse();
                ByteBuf batches = read.batches();
                for (long i = read.firstIndex(); i <= read.lastIndex(); i++) {
                    int total = BatchFormat.totalBytes(batches, batches.readerIndex());
                    assertThat(ByteBufUtil.getBytes(batches.readSlice(total)))
                            .as("batch %d", i)
                            .isEqualTo(bytesOf(i));
                }
                assertThat(batches.isReadable()).isFalse();
                index = read.lastIndex() + 1;
            } finally {
                read.release();
            }
        }
        ReadResult end = log.read(last + 1, 1024);
        assertThat(end.isEmpty()).isTrue();
        end.release();
    }
}
