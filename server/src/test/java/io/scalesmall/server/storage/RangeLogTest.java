package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RangeLogTest {
    private static final StorageConfig SMALL =
            StorageConfig.defaults().withSegmentBytes(2_000).withIndexIntervalBytes(300);

    @TempDir
    Path dir;

    private final TestBatches batches = new TestBatches(42);

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void newLogIsEmptyAndStartsAtIndexOne() throws IOException {
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            assertThat(log.firstIndex()).isEqualTo(1);
            assertThat(log.nextIndex()).isEqualTo(1);
            assertThat(log.batchCount()).isZero();
            assertThat(log.sizeBytes()).isZero();
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(log.oldestSegmentMaxHlcMillis()).isEqualTo(-1);
            assertThat(log.locateTime(0)).isEqualTo(1);
            ReadResult empty = log.read(1, 100);
            assertThat(empty.isEmpty()).isTrue();
            assertThat(empty.firstIndex()).isEqualTo(1);
        }
        assertThat(segmentFiles())
                .extracting(p -> p.getFileName().toString())
                .containsExactly("00000000000000000001.log");
    }

    @Test
    void roundTripsBatchesAcrossSegmentRollsAndReopen() throws IOException {
        Random sizes = new Random(7);
        long bytes = 0;
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            for (int i = 0; i < 200; i++) {
                long index = batches.append(log, sizes.nextInt(250));
                bytes += batches.bytesOf(index).length;
            }
            assertThat(log.segmentCount()).isGreaterThan(10);
            assertThat(log.sizeBytes()).isEqualTo(bytes);
            assertThat(log.batchCount()).isEqualTo(200);
            assertThat(log.lastHlcTime()).isEqualTo(TestBatches.hlcTimeOf(200));
            batches.assertLogHolds(log, 1, 200);
        }
        for (Path segment : segmentFiles()) {
            assertThat(Files.size(segment)).isLessThanOrEqualTo(SMALL.segmentBytes());
        }
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            assertThat(log.sizeBytes()).isEqualTo(bytes);
            batches.assertLogHolds(log, 1, 200);
            batches.append(log, 10);
            batches.assertLogHolds(log, 1, 201);
        }
    }

    @Test
    void segmentFilesAreNamedByTheirFirstIndex() throws IOException {
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            for (int i = 0; i < 30; i++) {
                batches.append(log, 200);
            }
            List<Path> files = segmentFiles();
            assertThat(files).hasSize(log.segmentCount());
            long expected = 1;
            for (Path file : files) {
                assertThat(file.getFileName().toString()).isEqualTo(String.format("%020d.log", expected));
                int n = 0;
                for (long size = Files.size(file); size > 0; n++) {
                    size -= batches.bytesOf(expected + n).length;
                }
                expected += n;
            }
            assertThat(expected).isEqualTo(31);
        }
    }

    @Test
    void batchLargerThanASegmentGoesAloneIntoAFreshSegment() throws IOException {
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            batches.append(log, 100);
            batches.append(log, 5_000);
            batches.append(log, 100);
            assertThat(log.segmentCount()).isEqualTo(3);
            batches.assertLogHolds(log, 1, 3);
            ReadResult big = log.read(2, 10);
            assertThat(big.count()).isEqualTo(1);
            assertThat(ByteBufUtil.getBytes(big.batches())).isEqualTo(batches.bytesOf(2));
            big.release();
        }
    }

    @Test
    void readReturnsWholeBatchesWithinMaxBytesAndAtLeastOne() throws IOException {
        try (RangeLog log = RangeLog.open(dir, StorageConfig.defaults().withIndexIntervalBytes(300))) {
            for (int i = 0; i < 50; i++) {
                batches.append(log, 100);
            }
            int one = batches.bytesOf(1).length;
            for (long from = 1; from <= 50; from++) {
                ReadResult small = log.read(from, 1);
                assertThat(small.firstIndex()).isEqualTo(from);
                assertThat(small.count()).isEqualTo(1);
                assertThat(ByteBufUtil.getBytes(small.batches())).isEqualTo(batches.bytesOf(from));
                small.release();
            }
            ReadResult three = log.read(10, one * 3 + one / 2);
            assertThat(three.firstIndex()).isEqualTo(10);
            assertThat(three.lastIndex()).isEqualTo(12);
            assertThat(three.batches().readableBytes()).isEqualTo(one * 3);
            three.release();
            ReadResult tail = log.read(48, 1 << 20);
            assertThat(tail.lastIndex()).isEqualTo(50);
            tail.release();
            assertThat(log.read(51, 100).isEmpty()).isTrue();
            assertThatThrownBy(() -> log.read(52, 100)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void locatesEveryIndexThroughTheSparseIndex() throws IOException {
        Random sizes = new Random(3);
        try (RangeLog log = RangeLog.open(dir, SMALL.withSegmentBytes(20_000))) {
            for (int i = 0; i < 300; i++) {
                batches.append(log, sizes.nextInt(150));
            }
            for (long index = 1; index <= 300; index++) {
                ReadResult read = log.read(index, 1);
                assertThat(ByteBufUtil.getBytes(read.batches()))
                        .as("batch %d", index)
                        .isEqualTo(batches.bytesOf(index));
                read.release();
            }
        }
    }

    @Test
    void locatesTheFirstBatchAtOrAfterATimestamp() throws IOException {
        Random sizes = new Random(5);
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            for (int i = 0; i < 150; i++) {
                batches.append(log, sizes.nextInt(200));
            }
            long lastMs = BatchFormat.hlcMillis(TestBatches.hlcTimeOf(150));
            for (long ms = TestBatches.BASE_MS - 3; ms <= lastMs + 3; ms++) {
                long expected = 151;
                for (long index = 1; index <= 150; index++) {
                    if (BatchFormat.hlcMillis(TestBatches.hlcTimeOf(index)) >= ms) {
                        expected = index;
                        break;
                    }
                }
                assertThat(log.locateTime(ms)).as("at %d", ms).isEqualTo(expected);
            }
        }
    }

    @Test
    void visitsEveryBatchHeaderInOrder() throws IOException {
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            for (int i = 0; i < 40; i++) {
                batches.append(log, i % 2 == 0 ? 3_000 : 20);
            }
            List<long[]> seen = new ArrayList<>();
            log.forEachBatchHeader((index, h) ->
                    seen.add(new long[] {index, h.producerId(), h.producerSeq(), h.count(), h.hlcTime()}));
            assertThat(seen).hasSize(40);
            for (int i = 0; i < 40; i++) {
                long index = i + 1;
                assertThat(seen.get(i))
                        .containsExactly(index, 77, index * 10, 1 + index % 5, TestBatches.hlcTimeOf(index));
            }
        }
    }

    @Test
    void acceptsBatchesOfAnyCoordinatorSequenceAndKeepsItsTimeIndexMonotone() throws IOException {
        try (RangeLog log = RangeLog.open(dir, SMALL)) {
            batches.append(log, 10);
            // A replica's log holds other coordinators' batches: their sequences are theirs, and
            // their clocks may be a little behind.
            ByteBuf other = TestBatches.batch(5, 1, 10, new Random(1));
            assertThat(log.append(other)).isEqualTo(2);
            other.release();
            assertThat(log.nextIndex()).isEqualTo(3);
            assertThat(log.lastHlcTime()).isEqualTo(TestBatches.hlcTimeOf(1));
        }
    }

    @Test
    void readsFromAClosedLogFail() throws IOException {
        RangeLog log = RangeLog.open(dir, SMALL);
        batches.append(log, 10);
        log.close();
        assertThatThrownBy(() -> log.read(1, 100)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> batches.append(log, 10)).isInstanceOf(IOException.class);
    }
}
