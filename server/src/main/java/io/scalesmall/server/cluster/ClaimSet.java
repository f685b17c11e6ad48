package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.List;

/**
 * Everything one node claims, written only by that node under its own counter: the streams it
 * knows and the ranges it holds data of. Merge: the higher counter wins; equal counters with
 * different contents (only a misbehaving node writes those) are ordered by their canonical
 * encoding, so merging stays a join.
 *
 * @param owner the node that wrote the claims
 * @param counter raised by the owner at every change
 * @param streams the streams the owner knows, in the order it wrote them
 * @param ranges the ranges the owner holds, in the order it wrote them
 */
public record ClaimSet(NodeId owner, long counter, List<StreamClaim> streams, List<RangeClaim> ranges) {
    public ClaimSet {
        if (owner == null) {
            throw new IllegalArgumentException("claims need an owner");
        }
        if (counter < 0) {
            throw new IllegalArgumentException("claim counter cannot be negative: " + counter);
        }
        streams = List.copyOf(streams);
        ranges = List.copyOf(ranges);
    }

    /** No streams and no ranges, under counter 0. */
    public static ClaimSet empty(NodeId owner) {
        return new ClaimSet(owner, 0, List.of(), List.of());
    }
}
