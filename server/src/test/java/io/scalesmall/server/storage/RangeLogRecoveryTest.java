package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RangeLogRecoveryTest {
    private static final StorageConfig CONFIG =
            StorageConfig.defaults().withSegmentBytes(1_500).withIndexIntervalBytes(100);
    private static final int BATCHES = 60;

    @TempDir
    Path root;

    private Path original;
    private final TestBatches batches = new TestBatches(11);
    private int copies;

    @BeforeEach
    void writeOriginalLog() throws IOException {
        original = root.resolve("original");
        Random sizes = new Random(99);
        try (RangeLog log = RangeLog.open(original, CONFIG)) {
            for (int i = 0; i < BATCHES; i++) {
                batches.append(log, sizes.nextInt(120));
            }
        }
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private Path copyOf(Path dir) throws IOException {
        Path copy = root.resolve("copy" + copies++);
        Files.createDirectories(copy);
        for (Path file : files(dir, "")) {
            Files.copy(file, copy.resolve(file.getFileName()));
        }
        return copy;
    }

    private static long firstIndexOf(Path segment) {
        return Long.parseLong(segment.getFileName().toString().substring(0, 20));
    }

    /** Reopens {@code dir}, checks it holds exactly batches 1..last, and that appending continues at last + 1. */
    private void assertRecoversTo(Path dir, long last) throws IOException {
        byte[] appended;
        try (RangeLog log = RangeLog.open(dir, CONFIG)) {
            batches.assertLogHolds(log, 1, last);
            ByteBuf next = batches.next(log, 33);
            appended = ByteBufUtil.getBytes(next);
            assertThat(log.append(next)).isEqualTo(last + 1);
            next.release();
        }
        try (RangeLog log = RangeLog.open(dir, CONFIG)) {
            assertThat(log.nextIndex()).isEqualTo(last + 2);
            ReadResult read = log.read(last + 1, 1);
            assertThat(ByteBufUtil.getBytes(read.batches())).isEqualTo(appended);
            read.release();
        }
    }

    @Test
    void recoveryWithTheLogCutAtEveryByteOffsetOfItsLastRecordsKeepsEveryCompleteRecordAndNothingElse()
            throws IOException {
        Path active = files(original, ".log").get(files(original, ".log").size() - 1);
        long base = firstIndexOf(active);
        long activeBytes = Files.size(active);
        long lastThreeBytes = 0;
        for (long index = BATCHES - 2; index <= BATCHES; index++) {
            lastThreeBytes += batches.bytesOf(index).length;
        }
        assertThat(base).as("the active segment holds the last three batches").isLessThanOrEqualTo(BATCHES - 2);
        byte[] full = Files.readAllBytes(active);
        for (long cut = activeBytes - lastThreeBytes; cut <= activeBytes; cut++) {
            long complete = base - 1;
            long end = 0;
            while (complete < BATCHES && end + batches.bytesOf(complete + 1).length <= cut) {
                end += batches.bytesOf(++complete).length;
            }
            Path copy = copyOf(original);
            Files.write(copy.resolve(active.getFileName()), Arrays.copyOf(full, (int) cut));
            assertRecoversTo(copy, complete);
            assertThat(Files.size(copy.resolve(active.getFileName()))).isGreaterThanOrEqualTo(end);
        }
    }

    @Test
    void garbageAfterTheLastBatchIsCutOff() throws IOException {
        Path active = files(original, ".log").get(files(original, ".log").size() - 1);
        byte[] full = Files.readAllBytes(active);
        Random random = new Random(1);
        for (int variant = 0; variant < 40; variant++) {
            byte[] garbage = new byte[1 + random.nextInt(300)];
            if (variant % 4 != 0) {
                random.nextBytes(garbage); // variant % 4 == 0: zeros, as after a preallocation
            }
            byte[] grown = Arrays.copyOf(full, full.length + garbage.length);
            System.arraycopy(garbage, 0, grown, full.length, garbage.length);
            Path copy = copyOf(original);
            Files.write(copy.resolve(active.getFileName()), grown);
            assertRecoversTo(copy, BATCHES);
        }
    }

    @Test
    void aCompleteValidBatchAfterTheEndIsKept() throws IOException {
        Path active = files(original, ".log").get(files(original, ".log").size() - 1);
        byte[] full = Files.readAllBytes(active);
        byte[] last = batches.bytesOf(BATCHES);
        byte[] grown = Arrays.copyOf(full, full.length + last.length);
        System.arraycopy(last, 0, grown, full.length, last.length);
        Path copy = copyOf(original);
        Files.write(copy.resolve(active.getFileName()), grown);
        // Whole and checksummed: written by this log (an append not yet fsynced), so kept; the
        // data agent above tells a repeated coordinator sequence apart.
        try (RangeLog log = RangeLog.open(copy, CONFIG)) {
            assertThat(log.nextIndex()).isEqualTo(BATCHES + 2);
            ReadResult first = log.read(1, 1);
            assertThat(ByteBufUtil.getBytes(first.batches())).isEqualTo(batches.bytesOf(1));
            first.release();
            ReadResult read = log.read(BATCHES + 1, 1);
            assertThat(ByteBufUtil.getBytes(read.batches())).isEqualTo(last);
            read.release();
        }
    }

    @Test
    void aFlippedByteAnywhereInTheLastBatchDropsExactlyThatBatch() throws IOException {
        Path active = files(original, ".log").get(files(original, ".log").size() - 1);
        byte[] full = Files.readAllBytes(active);
        int lastLength = batches.bytesOf(BATCHES).length;
        for (int at = full.length - lastLength; at < full.length; at++) {
            byte[] flipped = full.clone();
            flipped[at] ^= (byte) 0x20;
            Path copy = copyOf(original);
            Files.write(copy.resolve(active.getFileName()), flipped);
            assertRecoversTo(copy, BATCHES - 1);
        }
    }

    @Test
    void aTornSealedSegmentWithoutIndexIsTruncatedAndLaterSegmentsDropped() throws IOException {
        List<Path> segments = files(original, ".log");
        assertThat(segments).hasSizeGreaterThan(3);
        Path copy = copyOf(original);
        Path torn = copy.resolve(segments.get(1).getFileName());
        long base = firstIndexOf(torn);
        int firstTwo = batches.bytesOf(base).length + batches.bytesOf(base + 1).length;
        byte[] bytes = Files.readAllBytes(torn);
        Files.write(torn, Arrays.copyOf(bytes, firstTwo + 10));
        Files.delete(copy.resolve(String.format("%020d.index", base)));
        assertRecoversTo(copy, base + 1);
        assertThat(files(copy, ".log")).hasSize(2);
        assertThat(files(copy, ".index")).hasSize(1);
    }

    @Test
    void aGapBetweenSegmentsMeansAnInterruptedRetentionSoTheOlderSegmentsGo() throws IOException {
        List<Path> segments = files(original, ".log");
        Path copy = copyOf(original);
        Files.delete(copy.resolve(segments.get(1).getFileName()));
        long resume = firstIndexOf(segments.get(2));
        try (RangeLog log = RangeLog.open(copy, CONFIG)) {
            batches.assertLogHolds(log, resume, BATCHES);
        }
        assertThat(Files.exists(copy.resolve(segments.get(0).getFileName()))).isFalse();
        assertThat(files(copy, ".log")).hasSize(segments.size() - 2);
    }

    @Test
    void sealedSegmentsGetIndexFilesAndTheActiveOneNone() throws IOException {
        List<Path> segments = files(original, ".log");
        List<Path> indexes = files(original, ".index");
        assertThat(indexes).hasSize(segments.size() - 1);
        for (int i = 0; i < indexes.size(); i++) {
            assertThat(firstIndexOf(indexes.get(i))).isEqualTo(firstIndexOf(segments.get(i)));
        }
    }

    @Test
    void aSealedSegmentWithAValidIndexFileIsTrustedWithoutRescanning() throws IOException {
        Path copy = copyOf(original);
        Path first = files(copy, ".log").get(0);
        byte[] bytes = Files.readAllBytes(first);
        int lastRecordByte = batches.bytesOf(1).length - 1;
        bytes[lastRecordByte] ^= 1; // a scan would reject batch 1 on its CRC and drop everything
        Files.write(first, bytes);
        try (RangeLog log = RangeLog.open(copy, CONFIG)) {
            assertThat(log.firstIndex()).isEqualTo(1);
            assertThat(log.nextIndex()).isEqualTo(BATCHES + 1);
            ReadResult read = log.read(1, 1);
            assertThat(read.batches().getByte(lastRecordByte)).isEqualTo(bytes[lastRecordByte]);
            read.release();
        }
    }

    @Test
    void aCorruptMissingOrStaleIndexFileIsRebuiltIdentically() throws IOException {
        Path copy = copyOf(original);
        List<Path> indexes = files(copy, ".index");
        assertThat(indexes).hasSizeGreaterThan(3);
        byte[][] saved = new byte[indexes.size()][];
        for (int i = 0; i < indexes.size(); i++) {
            saved[i] = Files.readAllBytes(indexes.get(i));
        }
        byte[] corrupt = saved[0].clone();
        corrupt[corrupt.length / 2] ^= 4;
        Files.write(indexes.get(0), corrupt);
        Files.delete(indexes.get(1));
        Files.write(indexes.get(2), Arrays.copyOf(saved[2], saved[2].length - 3));
        Files.write(indexes.get(3), saved[0]);
        try (RangeLog log = RangeLog.open(copy, CONFIG)) {
            batches.assertLogHolds(log, 1, BATCHES);
        }
        for (int i = 0; i < indexes.size(); i++) {
            assertThat(Files.readAllBytes(indexes.get(i))).as("index %d", i).isEqualTo(saved[i]);
        }
    }

    @Test
    void aLogCopiedBeforeAnyFsyncRecoversItsCompleteBatches() throws IOException {
        Path dir = root.resolve("unsynced");
        TestBatches more = new TestBatches(3);
        Path copy;
        try (RangeLog log = RangeLog.open(dir, CONFIG)) {
            for (int i = 0; i < 25; i++) {
                more.append(log, 100);
            }
            copy = copyOf(dir); // as a crash would leave it: page cache content, no index files
        }
        assertThat(files(copy, ".index")).isEmpty();
        try (RangeLog log = RangeLog.open(copy, CONFIG)) {
            more.assertLogHolds(log, 1, 25);
            assertThat(log.durableIndex()).isEqualTo(25);
        }
        assertThat(files(copy, ".index")).hasSize(files(copy, ".log").size() - 1);
    }
}
