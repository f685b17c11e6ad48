package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.List;

/**
 * One range of one stream that a node holds data of: the keys whose hashes lie in {@code
 * [startHash, endHash)} of the stream's key space {@code [0, 2^32)}, written since {@code
 * sinceHlc} to the fixed, ordered list of {@code replicas}. A range never changes its key slice
 * or its replicas; a placement change creates a new range and seals the old one, which then takes
 * no new writes but keeps serving reads. What the claims mean for placement is the placement
 * package's business; the cluster plane only carries and merges them.
 *
 * @param stream the stream name
 * @param rangeId the range's id, unique within the stream, at least 0
 * @param startHash first key hash of the range, inclusive, in {@code [0, 2^32)}
 * @param endHash end of the range, exclusive, in {@code (startHash, 2^32]}
 * @param sinceHlc hybrid logical clock time at which the range was created
 * @param replicas the nodes that take the range's writes, in placement order, at least one
 * @param sealed true once the claiming node takes no more writes for the range
 */
public record RangeClaim(
        String stream,
        int rangeId,
        long startHash,
        long endHash,
        long sinceHlc,
        List<NodeId> replicas,
        boolean sealed) {
    /** One past the largest key hash. */
    public static final long KEY_SPACE = 1L << 32;

    public RangeClaim {
        if (stream == null || stream.isEmpty()) {
            throw new IllegalArgumentException("a claim needs a stream name");
        }
        if (rangeId < 0) {
            throw new IllegalArgumentException("a range id cannot be negative: " + rangeId);
        }
        if (startHash < 0 || endHash > KEY_SPACE || startHash >= endHash) {
            throw new IllegalArgumentException(
                    "a claimed range needs 0 <= start < end <= 2^32: [" + startHash + ", " + endHash + ")");
        }
        replicas = List.copyOf(replicas);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("a range needs at least one replica");
        }
    }

    /** The same claim, sealed. */
    public RangeClaim seal() {
        return sealed ? this : new RangeClaim(stream, rangeId, startHash, endHash, sinceHlc, replicas, true);
    }
}
