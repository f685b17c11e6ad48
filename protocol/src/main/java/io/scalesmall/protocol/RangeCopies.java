package io.scalesmall.protocol;

/**
 * The copies of one range as its replicas reported them, and what is under-replicated: the
 * batches its fullest copy holds beyond its emptiest one (a replica that did not answer counts
 * as empty, since its copy cannot be read now, unless it left the cluster, having handed its
 * data off), and all of them while fewer of its replicas are live than it was made with, capped
 * by the replication factor and the live members (a node stopped with SIGTERM shows LEFT, and
 * its copies count as missing until other nodes restored them). {@code scalesmall streams} and
 * the admin API count alike through this class.
 *
 * <p>Not thread-safe: fill it, then read it.
 */
public final class RangeCopies {
    private final int replicationFactor;
    private final long liveMembers;
    private long most;
    private long fewest = Long.MAX_VALUE;
    private long biggest;
    private int replicas;
    private int liveReplicas;

    /**
     * @param replicationFactor the stream's replication factor
     * @param liveMembers members ALIVE or SUSPECT
     */
    public RangeCopies(int replicationFactor, long liveMembers) {
        this.replicationFactor = replicationFactor;
        this.liveMembers = liveMembers;
    }

    /**
     * Adds one listed replica's copy.
     *
     * @param status the member's status name (ALIVE, SUSPECT, DEAD, LEFT), or null when unknown
     * @param batches batches it reported, 0 when it did not answer
     * @param sizeBytes bytes it reported, 0 when it did not answer
     */
    public void add(String status, long batches, long sizeBytes) {
        replicas++;
        liveReplicas += isLive(status) ? 1 : 0;
        most = Math.max(most, batches);
        if (!"LEFT".equals(status)) {
            fewest = Math.min(fewest, batches);
        }
        biggest = Math.max(biggest, sizeBytes);
    }

    /** The range's batches: its fullest copy's. */
    public long batches() {
        return most;
    }

    /** The range's size: its biggest copy's. */
    public long sizeBytes() {
        return biggest;
    }

    /** Batches with fewer copies than the range should have. */
    public long underReplicatedBatches() {
        long wanted = Math.min(Math.min(replicationFactor, liveMembers), replicas);
        if (liveReplicas < wanted) {
            return most;
        }
        return fewest == Long.MAX_VALUE ? 0 : most - fewest;
    }

    /** Whether a member of this status serves (ALIVE, or SUSPECT until declared dead). */
    public static boolean isLive(String status) {
        return "ALIVE".equals(status) || "SUSPECT".equals(status);
    }
}
