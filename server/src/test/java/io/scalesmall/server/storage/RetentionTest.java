package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
    @TempDir
    Path dir;

    private final FaultyFiles files = new FaultyFiles();
    private final StorageConfig config = StorageConfig.defaults()
            .withSegmentBytes(2_000)
            .withIndexIntervalBytes(200)
            .withFileOpener(files);
    private final TestBatches batches = new TestBatches(4);

    private List<Path> list(String suffix) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static long baseOf(Path segment) {
        return Long.parseLong(segment.getFileName().toString().substring(0, 20));
    }

    @Test
    void deleteOldestSegmentDropsSealedSegmentsOldestFirstButNeverTheActiveOne() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            for (int i = 0; i < 60; i++) {
                batches.append(log, 150);
            }
            log.sync();
            List<Path> segments = list(".log");
            assertThat(segments).hasSizeGreaterThan(3);
            long second = baseOf(segments.get(1));
            assertThat(log.oldestSegmentMaxHlcMillis())
                    .isEqualTo(BatchFormat.hlcMillis(TestBatches.hlcTimeOf(second - 1)));
            long sizeBefore = log.sizeBytes();
            long oldestBytes = Files.size(segments.get(0));

            assertThat(log.deleteOldestSegment()).isTrue();
            assertThat(log.firstIndex()).isEqualTo(second);
            assertThat(log.sizeBytes()).isEqualTo(sizeBefore - oldestBytes);
            assertThat(Files.exists(segments.get(0))).isFalse();
            assertThat(list(".index")).hasSize(segments.size() - 2);
            ReadResult read = log.read(1, 100);
            assertThat(read.truncated()).isTrue();
            assertThat(read.firstIndex()).isEqualTo(second);
            assertThat(ByteBufUtil.getBytes(read.batches())).isEqualTo(batches.bytesOf(second));
            read.release();

            int deleted = 1;
            while (log.deleteOldestSegment()) {
                deleted++;
            }
            assertThat(deleted).isEqualTo(segments.size() - 1);
            assertThat(log.segmentCount()).isEqualTo(1);
            long activeBase = baseOf(segments.get(segments.size() - 1));
            assertThat(log.sizeBytes()).isEqualTo(Files.size(segments.get(segments.size() - 1)));
            batches.assertLogHolds(log, activeBase, 60);
            assertThat(list(".log")).hasSize(1);
            assertThat(list(".index")).isEmpty();
        }
        try (RangeLog log = RangeLog.open(dir, config)) {
            assertThat(log.segmentCount()).isEqualTo(1);
            batches.assertLogHolds(log, log.firstIndex(), 60);
        }
    }

    @Test
    void aReadHoldingASegmentWhileItIsDeletedStillCompletes() throws Exception {
        try (RangeLog log = RangeLog.open(dir, config)) {
            for (int i = 0; i < 30; i++) {
                batches.append(log, 150);
            }
            Path oldest = list(".log").get(0);
            FaultyFiles.Gate gate = new FaultyFiles.Gate();
            files.readGate.set(gate);
            CompletableFuture<ReadResult> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return log.read(1, 1_000);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(gate.reached.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(log.deleteOldestSegment()).isTrue();
            assertThat(Files.exists(oldest)).as("kept while the read uses it").isTrue();
            gate.open.countDown();
            ReadResult result = read.get(10, TimeUnit.SECONDS);
            assertThat(result.firstIndex()).isEqualTo(1);
            assertThat(ByteBufUtil.getBytes(result.batches(), 0, batches.bytesOf(1).length))
                    .isEqualTo(batches.bytesOf(1));
            result.release();
            assertThat(Files.exists(oldest))
                    .as("deleted with the last reference")
                    .isFalse();
        }
    }

    @Test
    void anEmptyLogAndASingleSegmentHaveNothingToDelete() throws IOException {
        try (RangeLog log = RangeLog.open(dir, config)) {
            assertThat(log.deleteOldestSegment()).isFalse();
            batches.append(log, 10);
            assertThat(log.deleteOldestSegment()).isFalse();
            batches.assertLogHolds(log, 1, 1);
        }
    }
}
