package io.scalesmall.server.cluster;

/**
 * A member's status as the cluster state records it. The declaration order is the merge order:
 * within one incarnation a later status wins over an earlier one, so news of a failure is never
 * undone by stale news of health.
 *
 * <p>Allowed transitions, within one incarnation: ALIVE → SUSPECT (a probe failed), SUSPECT → DEAD
 * (the suspicion timed out), any → LEFT (the member itself left). Only the member itself can go
 * back to ALIVE, and only by raising its incarnation (a refutation, or a restart).
 */
public enum MemberStatus {
    /** Answering probes. */
    ALIVE,
    /** A probe failed; the member has a suspicion timeout to refute it. */
    SUSPECT,
    /** The suspicion timed out: considered failed. A tombstone until it expires. */
    DEAD,
    /** The member announced a graceful leave. A tombstone until it expires. */
    LEFT;

    /** True for ALIVE and SUSPECT: members that are probed and receive broadcasts. */
    public boolean isLive() {
        return this == ALIVE || this == SUSPECT;
    }

    /** True for DEAD and LEFT. */
    public boolean isTombstone() {
        return !isLive();
    }
}
