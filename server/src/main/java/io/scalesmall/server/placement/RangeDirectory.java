package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.server.cluster.RangeClaim;
import java.io.IOException;
import java.util.List;

/**
 * What the data agent asks of placement: which ranges this node holds, whether the other
 * replicas are alive, and to take a range a peer replicates into it before this node's own
 * placement has caught up. Implemented by the placement service; thread-safe.
 */
public interface RangeDirectory {
    /** The range as this node holds it (sealed or not), or null when it holds no such range. */
    RangeClaim held(String stream, int rangeId);

    /**
     * Takes {@code range} as this node's: persists it and claims it. Called when a peer forwards
     * batches of a range that names this node as a replica.
     */
    RangeClaim adopt(RangeDescriptor range) throws IOException;

    /** True while {@code node} is a live member (ALIVE or SUSPECT) in this node's view. */
    boolean isLive(NodeId node);

    /** The nodes claiming a range in this node's view (empty when unknown). */
    List<NodeId> holders(String stream, int rangeId);
}
