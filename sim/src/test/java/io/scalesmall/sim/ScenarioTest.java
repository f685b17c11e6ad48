package io.scalesmall.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Small runs of every scenario (the protocol's default settings, 1 ms links), asserting what a
 * user of the cluster would see. The 1,000-node targets are checked with {@code scalesmall sim}
 * and recorded in docs/SIMULATION.md.
 */
class ScenarioTest {
    private static SimReport run(Scenario scenario, int nodes, double loss, long durationS, double faultForS) {
        SimReport report = new Simulation(
                        SimConfig.defaults(scenario, nodes, 7).withLoss(loss).withDuration(durationS, faultForS))
                .run();
        assertThat(report.violation()).as("invariant violation").isNull();
        return report;
    }

    @Test
    void everyNodeJoiningThroughOneSeedEndsInOneView() {
        SimReport report = run(Scenario.JOIN, 100, 0.0, 40, 30);

        assertThat(report.convergedAtEnd()).isTrue();
        assertThat(report.incompleteChanges()).isZero();
        assertThat(report.joinP99Ms()).isPositive().isLessThan(10_000);
        assertThat(report.falsePositives()).isZero();
    }

    @Test
    void aCrashedNodeIsDeadEverywhereWithinTenSecondsDespiteLoss() {
        SimReport report = run(Scenario.CRASH, 100, 0.05, 60, 30);

        assertThat(report.crashes()).isEqualTo(1);
        assertThat(report.crashesDetectedEverywhere()).isEqualTo(1);
        assertThat(report.maxDetectionEverywhereMs()).isLessThan(10_000);
        assertThat(report.falsePositives()).isZero();
    }

    @Test
    void tenPercentCrashingAtOnceAreAllDetectedWithoutFalsePositives() {
        SimReport report = run(Scenario.CRASH10, 100, 0.01, 60, 30);

        assertThat(report.crashes()).isEqualTo(10);
        assertThat(report.crashesDetectedEverywhere()).isEqualTo(10);
        assertThat(report.falsePositives()).isZero();
        assertThat(report.membershipAgreedAtEnd()).isTrue();
    }

    @Test
    void slowNodesAreNeitherDeclaredDeadNorMakeOthersDead() {
        SimReport report = run(Scenario.SLOW10, 100, 0.01, 90, 30);

        assertThat(report.falsePositives()).isZero();
        assertThat(report.slowFalsePositives()).isZero();
    }

    @Test
    void aHealedPartitionMergesBackIntoOneView() {
        SimReport report = run(Scenario.PARTITION, 60, 0.0, 90, 20);

        assertThat(report.membershipAgreedAtEnd()).isTrue();
        assertThat(report.convergedAtEnd()).isTrue();
    }

    @Test
    void aPausedNodeComesBackAliveEverywhere() {
        SimReport report = run(Scenario.PAUSE, 60, 0.0, 60, 15);

        assertThat(report.membershipAgreedAtEnd()).isTrue();
        assertThat(report.falsePositives()).isZero();
    }

    @Test
    void underChurnEveryNodeEndsWithTheSameMembership() {
        SimReport report = run(Scenario.CHURN, 100, 0.0, 90, 30);

        assertThat(report.membershipAgreedAtEnd()).isTrue();
        assertThat(report.falsePositives()).isZero();
    }

    @Test
    void aBroadcastCostsAboutOneMessagePerNodeWithoutLoss() {
        SimReport report = run(Scenario.CRASH10, 200, 0.0, 40, 30);

        assertThat(report.handoffsPerNodePerBroadcastMean()).isLessThan(1.5);
    }
}
