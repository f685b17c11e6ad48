package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aBarShowsTheShareDoneTheCountsAndTheRate() {
        assertThat(Progress.line("acked", 45_000, 100_000, 52_310.4))
                .isEqualTo("[=============>                ] 45,000 / 100,000 acked, 52,310/s");
        assertThat(Progress.line("acked", 100_000, 100_000, 1_000))
                .isEqualTo("[==============================] 100,000 / 100,000 acked, 1,000/s");
        assertThat(Progress.line("acked", 0, 10, 0)).isEqualTo("[>                             ] 0 / 10 acked, 0/s");
    }

    @Test
    void withoutATotalOnlyTheCountAndRateShow() {
        assertThat(Progress.line("acked", 1_234, -1, 617)).isEqualTo("1,234 acked, 617/s");
    }
}
