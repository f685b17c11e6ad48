package io.scalesmall.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-second traffic series, driven with explicit times and totals. */
class TrafficHistoryTest {
    @Test
    void eachSampleIsTheRateSinceThePreviousOneAndTheFirstOnlySetsTheBase() {
        TrafficHistory history = new TrafficHistory();
        history.sample(10_000, 100, 1_000, 0, 0);
        assertThat(series(history, "t")).isEmpty();

        history.sample(11_000, 300, 3_000, 50, 500);
        history.sample(13_000, 700, 7_000, 50, 500); // two seconds later: per second
        history.sample(14_000, 10, 100, 60, 600); // totals went down (a restart): 0, not negative

        assertThat(series(history, "t")).containsExactly(11L, 13L, 14L);
        assertThat(series(history, "publishedMessages")).containsExactly(200L, 200L, 0L);
        assertThat(series(history, "publishedBytes")).containsExactly(2_000L, 2_000L, 0L);
        assertThat(series(history, "consumedMessages")).containsExactly(50L, 0L, 10L);
        assertThat(series(history, "consumedBytes")).containsExactly(500L, 0L, 100L);
    }

    @Test
    void itKeepsTheLastFiveMinutesOldestFirst() {
        TrafficHistory history = new TrafficHistory();
        for (int s = 0; s <= TrafficHistory.SECONDS + 10; s++) {
            history.sample(s * 1_000L, s, 0, 0, 0);
        }
        List<Long> t = series(history, "t");
        assertThat(t).hasSize(TrafficHistory.SECONDS);
        assertThat(t.get(0)).isEqualTo(11L);
        assertThat(t.get(t.size() - 1)).isEqualTo(TrafficHistory.SECONDS + 10L);
        assertThat(series(history, "publishedMessages")).containsOnly(1L);
    }

    @SuppressWarnings("unchecked")
    private static List<Long> series(TrafficHistory history, String field) {
        Map<String, Object> json = history.toJson();
        return (List<Long>) json.get(field);
    }
}
