package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RangeLogSyncTest {
    @TempDir
    Path dir;

    private final TestBatches batches = new TestBatches(5);
    private final FaultyFiles files = new FaultyFiles();
    private final StorageConfig config = StorageConfig.defaults()
            .withSegmentBytes(4_096)
            .withIndexIntervalBytes(512)
            .withFileOpener(files);

    @Test
    void durableIndexAdvancesToCoverEveryAppendBeforeTheSync() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            assertThat(log.durableIndex()).isZero();
            assertThat(log.hasUnsyncedData()).isFalse();
            batches.append(log, 10);
            batches.append(log, 10);
            batches.append(log, 10);
            assertThat(log.hasUnsyncedData()).isTrue();
            assertThat(log.durableIndex()).isZero();
            assertThat(log.sync()).isEqualTo(3);
            assertThat(log.durableIndex()).isEqualTo(3);
            assertThat(log.hasUnsyncedData()).isFalse();
            batches.append(log, 10);
            assertThat(log.sync()).isEqualTo(4);
        }
    }

    @Test
    void syncFsyncsEverySegmentWithNewBatchesAndSealedOnesBeforeTheirIndexFile() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            while (log.segmentCount() < 3) {
                batches.append(log, 1_000);
            }
            // 1,076-byte batches, three to a segment
            String first = Segment.fileName(1, "");
            String second = Segment.fileName(4, "");
            String active = Segment.fileName(7, "");
            assertThat(log.nextIndex()).isEqualTo(8);
            files.journal.clear();
            log.sync();
            List<String> journal = List.copyOf(files.journal);
            assertThat(journal)
                    .containsSubsequence("force " + first + ".log", "open " + first + ".index")
                    .containsSubsequence("force " + second + ".log", "open " + second + ".index")
                    .contains("force " + active + ".log")
                    .doesNotContain("open " + active + ".index");
            files.journal.clear();
            log.sync();
            assertThat(files.journal).isEmpty();
        }
    }

    @Test
    void concurrentAppendsSyncsAndReadsNeverCorruptTheLog() throws Exception {
        int total = 3_000;
        Random sizes = new Random(17);
        try (RangeLog log = RangeLog.open(dir, config)) {
            AtomicBoolean done = new AtomicBoolean();
            CompletableFuture<Long> syncer = CompletableFuture.supplyAsync(() -> {
                long previous = 0;
                try {
                    while (!done.get()) {
                        long durable = log.sync();
                        assertThat(durable).isGreaterThanOrEqualTo(previous).isLessThan(log.nextIndex());
                        previous = durable;
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                return previous;
            });
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                long checked = 0;
                try {
                    long index = 1;
                    while (!done.get()) {
                        ReadResult read = log.read(index, 8_192);
                        ByteBuf buf = read.batches();
                        for (long i = read.firstIndex(); i <= read.lastIndex(); i++) {
                            int at = buf.readerIndex();
                            assertThat(BatchFormat.batchSeq(buf, at)).isEqualTo(i);
                            assertThat(BatchFormat.isCrcValid(buf, at)).isTrue();
                            buf.skipBytes(BatchFormat.totalBytes(buf, at));
                            checked++;
                        }
                        index = read.lastIndex() + 1;
                        read.release();
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                return checked;
            });
            try {
                for (int i = 0; i < total; i++) {
                    batches.append(log, sizes.nextInt(300));
                }
            } finally {
                done.set(true);
            }
            assertThat(syncer.get(30, TimeUnit.SECONDS)).isLessThanOrEqualTo(total);
            assertThat(reader.get(30, TimeUnit.SECONDS)).isPositive();
            assertThat(log.sync()).isEqualTo(total);
        }
        try (RangeLog log = RangeLog.open(dir, config)) {
            batches.assertLogHolds(log, 1, total);
        }
    }

    @Test
    void aFailedFsyncFailsEveryLaterSyncUntilTheLogIsReopened() throws IOException {
        RangeLog log = RangeLog.open(dir, config);
        batches.append(log, 10);
        files.forceFailure.set(new IOException("Input/output error"));
        assertThatThrownBy(log::sync).hasMessageContaining("Input/output error");
        files.forceFailure.set(null);
        batches.append(log, 10);
        assertThatThrownBy(log::sync).hasMessageContaining("reopen");
        assertThat(log.durableIndex()).isZero();
        assertThatThrownBy(log::close).isInstanceOf(IOException.class);
        try (RangeLog reopened = RangeLog.open(dir, config)) {
            batches.assertLogHolds(reopened, 1, 2);
            assertThat(reopened.durableIndex()).isEqualTo(2);
        }
    }
}
