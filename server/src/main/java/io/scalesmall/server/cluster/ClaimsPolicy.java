package io.scalesmall.server.cluster;

/**
 * Decides what this node claims, from the state it sees. The cluster plane only carries and
 * merges claims; what they should be is placement's business, and placement plugs in here.
 */
@FunctionalInterface
public interface ClaimsPolicy {
    /**
     * Called on the cluster thread a moment after the state changed, once this node has joined.
     * Must not block for long (a few small file writes at most).
     *
     * @param state the local view (read-only; valid during the call only)
     * @return the streams and ranges this node should claim now (owner and counter are ignored),
     *     or null to keep its claims as they are
     */
    ClaimSet review(ClusterState state);
}
