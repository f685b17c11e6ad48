package io.scalesmall.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeterminismTest {
    private static SimConfig config(Scenario scenario, long seed) {
        return SimConfig.defaults(scenario, 60, seed).withLoss(0.05).withDuration(20, 5);
    }

    @Test
    void sameSeedGivesTheSameTraceAndReport() {
        SimReport first = new Simulation(config(Scenario.CHURN, 42)).run();
        SimReport second = new Simulation(config(Scenario.CHURN, 42)).run();

        assertThat(second.traceHash()).isEqualTo(first.traceHash());
        assertThat(second.toMap().get("events")).isEqualTo(first.toMap().get("events"));
        assertThat(second.toMap().get("traffic")).isEqualTo(first.toMap().get("traffic"));
    }

    @Test
    void sameSeedGivesTheSameTraceWithSlowAndPausedNodes() {
        assertThat(new Simulation(config(Scenario.SLOW10, 3)).run().traceHash())
                .isEqualTo(new Simulation(config(Scenario.SLOW10, 3)).run().traceHash());
        assertThat(new Simulation(config(Scenario.PAUSE, 3)).run().traceHash())
                .isEqualTo(new Simulation(config(Scenario.PAUSE, 3)).run().traceHash());
    }

    @Test
    void differentSeedGivesADifferentTrace() {
        assertThat(new Simulation(config(Scenario.CRASH, 1)).run().traceHash())
                .isNotEqualTo(new Simulation(config(Scenario.CRASH, 2)).run().traceHash());
    }
}
