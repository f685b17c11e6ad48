package io.scalesmall.server.cluster;

/**
 * One key range of one stream that a node says it serves: the hashes {@code [startHash,
 * endHash)} of the stream's key space {@code [0, 2^32)}. What the claims mean for placement is
 * the placement package's business; the cluster plane only carries and merges them.
 *
 * @param stream the stream name
 * @param startHash first key hash of the range, inclusive, in {@code [0, 2^32)}
 * @param endHash end of the range, exclusive, in {@code (startHash, 2^32]}
 */
public record RangeClaim(String stream, long startHash, long endHash) {
    /** One past the largest key hash. */
    public static final long KEY_SPACE = 1L << 32;

    public RangeClaim {
        if (stream == null || stream.isEmpty()) {
            throw new IllegalArgumentException("a claim needs a stream name");
        }
        if (startHash < 0 || endHash > KEY_SPACE || startHash >= endHash) {
            throw new IllegalArgumentException(
                    "a claimed range needs 0 <= start < end <= 2^32: [" + startHash + ", " + endHash + ")");
        }
    }
}
