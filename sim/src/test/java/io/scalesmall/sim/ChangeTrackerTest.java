package io.scalesmall.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.cluster.ClusterListener;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import org.junit.jupiter.api.Test;

/** The invariant checks, fed directly through a node's listener. */
class ChangeTrackerTest {
    private final Simulation sim = new Simulation(SimConfig.defaults(Scenario.CRASH, 5, 1));
    private final SimNode viewer = sim.nodes()[0];
    private final SimNode member = sim.nodes()[3];
    private final ClusterListener listener = sim.tracker().listenerFor(viewer);

    private MemberEntry entry(long incarnation, MemberStatus status) {
        return new MemberEntry(member.id, incarnation, status, Simulation.EPOCH_MS, member.metadata);
    }

    @Test
    void anIncarnationGoingBackInAViewIsAViolation() {
        listener.memberChanged(entry(2, MemberStatus.ALIVE), entry(1, MemberStatus.DEAD));

        assertThat(sim.tracker().violation())
                .contains("went back")
                .contains("n3")
                .contains("n0");
    }

    @Test
    void aStatusGoingBackWithinAnIncarnationIsAViolation() {
        listener.memberChanged(entry(1, MemberStatus.DEAD), entry(1, MemberStatus.ALIVE));

        assertThat(sim.tracker().violation()).contains("went back");
    }

    @Test
    void aRefutationIsNoViolation() {
        listener.memberChanged(entry(1, MemberStatus.SUSPECT), entry(2, MemberStatus.ALIVE));

        assertThat(sim.tracker().violation()).isNull();
    }

    @Test
    void aNeverFaultedNodeMarkedDeadIsAViolationWhenTheScenarioChecksIt() {
        sim.tracker().healthyNeverDead = true;

        listener.memberChanged(entry(0, MemberStatus.SUSPECT), entry(0, MemberStatus.DEAD));

        assertThat(sim.tracker().violation()).contains("never-faulted node n3 marked DEAD");
        assertThat(sim.tracker().healthyMarkedDead.get(member.index)).isTrue();
    }

    @Test
    void aCrashedNodeMarkedDeadIsNoFalsePositive() {
        sim.tracker().healthyNeverDead = true;
        member.faulted = true;

        listener.memberChanged(entry(0, MemberStatus.SUSPECT), entry(0, MemberStatus.DEAD));

        assertThat(sim.tracker().violation()).isNull();
        assertThat(sim.tracker().healthyMarkedDead.isEmpty()).isTrue();
    }

    @Test
    void aSlowedNodeMarkedDeadIsCountedApart() {
        sim.tracker().healthyNeverDead = true;
        member.slowed = true;

        listener.memberChanged(entry(0, MemberStatus.SUSPECT), entry(0, MemberStatus.DEAD));

        assertThat(sim.tracker().violation()).isNull();
        assertThat(sim.tracker().slowMarkedDead.get(member.index)).isTrue();
    }
}
