package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskFullTest {
    @TempDir
    Path dir;

    private final FaultyFiles files = new FaultyFiles();
    private final StorageConfig config = StorageConfig.defaults()
            .withSegmentBytes(2_000)
            .withIndexIntervalBytes(200)
            .withFileOpener(files);
    private final TestBatches batches = new TestBatches(21);

    private long countFiles(String suffix) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.toString().endsWith(suffix)).count();
        }
    }

    private void appendRecorded(RangeLog log, ByteBuf batch) throws IOException {
        long index = log.append(batch);
        batches.record(index, ByteBufUtil.getBytes(batch));
    }

    @Test
    void anAppendOnAFullDiskThrowsStorageFullLeavesTheLogUnchangedAndALaterOneSucceeds() throws IOException {
        Path segment = dir.resolve(Segment.fileName(1, ".log"));
        try (RangeLog log = RangeLog.open(dir, config)) {
            for (int i = 0; i < 5; i++) {
                batches.append(log, 100);
            }
            long fileBytes = Files.size(segment);
            long logBytes = log.sizeBytes();
            ByteBuf next = batches.next(log, 200);
            for (long quota : new long[] {0, 1, 30, 275}) {
                files.bytesLeft.set(quota);
                assertThatThrownBy(() -> log.append(next))
                        .isInstanceOf(StorageFullException.class)
                        .hasMessageContaining("No space left on device");
                assertThat(Files.size(segment))
                        .as("file after a partial write of %d bytes", quota)
                        .isEqualTo(fileBytes);
                assertThat(log.sizeBytes()).isEqualTo(logBytes);
                batches.assertLogHolds(log, 1, 5);
            }
            files.bytesLeft.set(FaultyFiles.UNLIMITED);
            appendRecorded(log, next);
            next.release();
            batches.assertLogHolds(log, 1, 6);
        }
        try (RangeLog log = RangeLog.open(dir, config)) {
            batches.assertLogHolds(log, 1, 6);
            batches.append(log, 10);
            batches.assertLogHolds(log, 1, 7);
        }
    }

    @Test
    void aFullDiskDuringASegmentRollLeavesNoSegmentBehind() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            while (log.sizeBytes() < 1_800) {
                batches.append(log, 100);
            }
            assertThat(log.segmentCount()).isEqualTo(1);
            long rollIndex = log.nextIndex();
            ByteBuf next = batches.next(log, 300);
            files.bytesLeft.set(100);
            assertThatThrownBy(() -> log.append(next)).isInstanceOf(StorageFullException.class);
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(Files.exists(dir.resolve(Segment.fileName(rollIndex, ".log"))))
                    .isFalse();
            files.bytesLeft.set(FaultyFiles.UNLIMITED);
            appendRecorded(log, next);
            next.release();
            assertThat(log.segmentCount()).isEqualTo(2);
            batches.assertLogHolds(log, 1, rollIndex);
        }
        try (RangeLog log = RangeLog.open(dir, config)) {
            batches.assertLogHolds(log, 1, batches.count());
        }
    }

    @Test
    void otherWriteErrorsAreRethrownAsTheyAreAndAlsoLeaveTheLogUnchanged() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            batches.append(log, 100);
            ByteBuf next = batches.next(log, 100);
            files.writeFailure.set(new IOException("Input/output error"));
            assertThatThrownBy(() -> log.append(next))
                    .isExactlyInstanceOf(IOException.class)
                    .hasMessage("Input/output error");
            files.writeFailure.set(null);
            appendRecorded(log, next);
            next.release();
            batches.assertLogHolds(log, 1, 2);
        }
    }

    @Test
    void syncSucceedsWhileIndexFilesCannotBeWrittenAndWritesThemOnceSpaceReturns() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            while (log.segmentCount() < 3) {
                batches.append(log, 500);
            }
            files.bytesLeft.set(0);
            assertThat(log.sync()).isEqualTo(log.nextIndex() - 1);
            assertThat(countFiles(".index")).isZero();
            files.bytesLeft.set(FaultyFiles.UNLIMITED);
            log.sync();
            assertThat(countFiles(".index")).isEqualTo(2);
        }
    }

    @Test
    void recognizesNoSpaceLeftAnywhereInTheCauseChain() {
        IOException nested = new IOException("write failed", new IOException("No space left on device"));
        assertThat(StorageFullException.classify(nested)).isInstanceOf(StorageFullException.class);
        assertThat(StorageFullException.classify(new IOException("Disk quota exceeded")))
                .isInstanceOf(StorageFullException.class);
        IOException other = new IOException("Input/output error");
        assertThat(StorageFullException.classify(other)).isSameAs(other);
    }
}
