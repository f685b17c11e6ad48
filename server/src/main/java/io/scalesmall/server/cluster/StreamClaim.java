package io.scalesmall.server.cluster;

/**
 * A stream a node knows, as it was created: every node that holds a range of the stream carries
 * its definition, so the definition lives as long as its data. When two definitions of one name
 * differ (created at once on two nodes), the earliest creation wins everywhere.
 *
 * @param stream the stream name
 * @param replicationFactor copies of every range (capped by the live nodes when ranges are placed)
 * @param retentionMs age limit of the stream's data, or -1 for none
 * @param retentionBytes size limit per range, or -1 for none
 * @param initialRanges how many ranges the key space was first cut into
 * @param createdHlc hybrid logical clock time of the creation
 */
public record StreamClaim(
        String stream,
        int replicationFactor,
        long retentionMs,
        long retentionBytes,
        int initialRanges,
        long createdHlc) {
    /** Most ranges a stream starts with. */
    public static final int MAX_INITIAL_RANGES = 4096;

    public StreamClaim {
        if (stream == null || stream.isEmpty()) {
            throw new IllegalArgumentException("a stream claim needs a name");
        }
        if (replicationFactor < 1 || replicationFactor > 255) {
            throw new IllegalArgumentException("replication factor must be in [1, 255]: " + replicationFactor);
        }
        if (initialRanges < 1 || initialRanges > MAX_INITIAL_RANGES) {
            throw new IllegalArgumentException(
                    "initial ranges must be in [1, " + MAX_INITIAL_RANGES + "]: " + initialRanges);
        }
    }

    /**
     * True when this definition wins over {@code other} of the same name: the earlier creation,
     * then the smaller options, so that every node picks the same one.
     */
    public boolean precedes(StreamClaim other) {
        int c = Long.compare(createdHlc, other.createdHlc);
        if (c == 0) {
            c = Integer.compare(replicationFactor, other.replicationFactor);
        }
        if (c == 0) {
            c = Long.compare(retentionMs, other.retentionMs);
        }
        if (c == 0) {
            c = Long.compare(retentionBytes, other.retentionBytes);
        }
        if (c == 0) {
            c = Integer.compare(initialRanges, other.initialRanges);
        }
        return c <= 0;
    }
}
