package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;

/**
 * Told of every change of the local view, on the protocol's thread, after the change. The node
 * persists its own incarnation and logs joins, leaves and failures through it; the simulator
 * measures convergence with it. Must not block and must not call back into the protocol.
 */
public interface ClusterListener {
    /** A member entry was added or superseded; {@code previous} is null for a new member. */
    default void memberChanged(MemberEntry previous, MemberEntry current) {}

    /** A member's claims were added or superseded. */
    default void claimsChanged(ClaimSet previous, ClaimSet current) {}

    /** A tombstone expired and the member is forgotten. */
    default void memberRemoved(NodeId id) {}

    /** No-op listener. */
    ClusterListener NONE = new ClusterListener() {};
}
