package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.List;

/**
 * Everything one node claims, written only by that node under its own counter. Merge: the higher
 * counter wins; equal counters with different ranges (only a misbehaving node writes those) are
 * ordered by their canonical encoding, so merging stays a join.
 *
 * @param owner the node that wrote the claims
 * @param counter raised by the owner at every change
 * @param ranges the claimed ranges, in the order the owner wrote them
 */
public record ClaimSet(NodeId owner, long counter, List<RangeClaim> ranges) {
    public ClaimSet {
        if (owner == null) {
            throw new IllegalArgumentException("claims need an owner");
        }
        if (counter < 0) {
            throw new IllegalArgumentException("claim counter cannot be negative: " + counter);
        }
        ranges = List.copyOf(ranges);
    }
}
