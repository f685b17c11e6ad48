package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;

/**
 * One member in the cluster state: the unit that merges, travels in deltas and is hashed into the
 * digest. Immutable, so the same instance may be shared by many states (the simulator relies on
 * this to hold thousands of nodes in one process).
 *
 * <p>Merge order (the greater entry wins; a total order, so merging is a join on a semilattice):
 * higher {@code incarnation}; then later {@link MemberStatus}; then the earlier {@code sinceMs}
 * (the first declaration of a status is the one kept); then the metadata's canonical encoding,
 * compared bytewise, which only decides between entries a misbehaving node wrote.
 *
 * @param id the member
 * @param incarnation raised only by the member itself: at every start and to refute a suspicion
 * @param status see {@link MemberStatus}
 * @param sinceMs wall-clock time (ms since the epoch, as the declaring node saw it) at which the
 *     status was declared; tombstones expire a configured time after it
 * @param metadata see {@link NodeMetadata}
 */
public record MemberEntry(NodeId id, long incarnation, MemberStatus status, long sinceMs, NodeMetadata metadata) {
    public MemberEntry {
        if (id == null || status == null || metadata == null) {
            throw new IllegalArgumentException("a member entry needs id, status and metadata");
        }
        if (incarnation < 0) {
            throw new IllegalArgumentException("incarnation cannot be negative: " + incarnation);
        }
    }

    /** True while the member counts as up: ALIVE, or SUSPECT (not yet declared DEAD). */
    public boolean isLive() {
        return status == MemberStatus.ALIVE || status == MemberStatus.SUSPECT;
    }

    /** The same member with another status declared at {@code nowMs}, same incarnation. */
    public MemberEntry withStatus(MemberStatus newStatus, long nowMs) {
        return new MemberEntry(id, incarnation, newStatus, nowMs, metadata);
    }
}
