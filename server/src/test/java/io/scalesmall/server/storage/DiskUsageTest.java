package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskUsageTest {
    @TempDir
    Path dir;

    /** A volume of 1,000 bytes whose free space the test sets. */
    private final AtomicLong usable = new AtomicLong(1_000);

    private final DiskUsage.VolumeStats volume = new DiskUsage.VolumeStats() {
        @Override
        public long totalBytes() {
            return 1_000;
        }

        @Override
        public long usableBytes() {
            return usable.get();
        }
    };

    @Test
    void aVolumeIsOverItsWatermarkOnceMoreThanThatPercentIsUsed() throws IOException {
        DiskUsage usage = DiskUsage.ofVolume(volume, DiskUsage.DEFAULT_HIGH_WATERMARK_PERCENT);
        assertThat(usage.isOverHighWatermark()).isFalse();
        usable.set(100);
        assertThat(usage.isOverHighWatermark()).isFalse();
        usable.set(40);
        assertThat(usage.isOverHighWatermark()).isTrue();
        assertThat(usage.excessBytes()).isEqualTo(60);
        usable.set(500);
        assertThat(usage.excessBytes()).isZero();
    }

    @Test
    void aByteBudgetCountsOnlyTheDataDirectory() throws IOException {
        Files.write(dir.resolve("a.log"), new byte[600]);
        Files.createDirectories(dir.resolve("range"));
        Files.write(dir.resolve("range").resolve("b.log"), new byte[500]);
        assertThat(DiskUsage.ofBudget(dir, 1_200).isOverHighWatermark()).isFalse();
        DiskUsage usage = DiskUsage.ofBudget(dir, 1_000);
        assertThat(usage.isOverHighWatermark()).isTrue();
        assertThat(usage.excessBytes()).isEqualTo(100);
    }

    @Test
    void aByteBudgetCanUseTheLogsOwnSizes() throws IOException {
        AtomicLong logBytes = new AtomicLong(10);
        DiskUsage usage = DiskUsage.ofBudget(100, logBytes::get);
        assertThat(usage.isOverHighWatermark()).isFalse();
        logBytes.set(101);
        assertThat(usage.isOverHighWatermark()).isTrue();
    }

    @Test
    void theRealVolumeOfTheDataDirectoryHasSaneFigures() throws IOException {
        assertThat(DiskUsage.ofVolume(dir, 100).isOverHighWatermark()).isFalse();
        assertThatThrownBy(() -> DiskUsage.ofVolume(volume, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
