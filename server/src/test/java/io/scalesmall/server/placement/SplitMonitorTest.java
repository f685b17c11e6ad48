package io.scalesmall.server.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SplitMonitorTest {
    private static final SplitConfig CONFIG = new SplitConfig(1_000_000, 10_000, 10_000, 1_000, 64);

    private static SplitMonitor.Load load(int rangeId, long stored, long appended) {
        return new SplitMonitor.Load("s", rangeId, stored, appended);
    }

    @Test
    void aRangeOverTheSizeLimitSplitsAtOnce() {
        SplitMonitor monitor = new SplitMonitor(CONFIG);

        List<SplitMonitor.Load> split = monitor.review(0, List.of(load(1, 999_999, 0), load(2, 1_000_000, 0)));

        assertThat(split).extracting(SplitMonitor.Load::rangeId).containsExactly(2);
    }

    @Test
    void aRangeSplitsForItsRateOnlyAfterAWholeWindowOverTheLimit() {
        SplitMonitor monitor = new SplitMonitor(CONFIG);
        assertThat(monitor.review(0, List.of(load(1, 0, 0), load(2, 0, 0)))).isEmpty();
        // Half a window at a high rate is not enough.
        assertThat(monitor.review(5_000, List.of(load(1, 0, 500_000), load(2, 0, 50_000))))
                .isEmpty();

        // Range 1: 1,000,000 bytes in 10 s = 100,000 B/s; range 2: 9,000 B/s, under 10,000.
        List<SplitMonitor.Load> split = monitor.review(10_000, List.of(load(1, 0, 1_000_000), load(2, 0, 90_000)));

        assertThat(split).extracting(SplitMonitor.Load::rangeId).containsExactly(1);
    }

    @Test
    void aRangeThatCoolsDownStopsAskingAfterTheNextWindow() {
        SplitMonitor monitor = new SplitMonitor(CONFIG);
        monitor.review(0, List.of(load(1, 0, 0)));
        assertThat(monitor.review(10_000, List.of(load(1, 0, 1_000_000)))).hasSize(1);
        assertThat(monitor.review(15_000, List.of(load(1, 0, 1_000_000)))).hasSize(1);

        assertThat(monitor.review(20_000, List.of(load(1, 0, 1_010_000)))).isEmpty();
    }

    @Test
    void aReopenedLogStartsAFreshWindow() {
        SplitMonitor monitor = new SplitMonitor(CONFIG);
        monitor.review(0, List.of(load(1, 0, 5_000_000)));
        // The node restarted: its appended count starts again from 0.

        assertThat(monitor.review(10_000, List.of(load(1, 0, 100)))).isEmpty();
        assertThat(monitor.review(20_000, List.of(load(1, 0, 200)))).isEmpty();
    }
}
