package io.scalesmall.server.cluster;

/**
 * Counts of what the protocol did, for metrics and the simulator's report. Written on the
 * protocol's thread only; other threads may read stale values.
 */
public final class ClusterCounters {
    long probesSent;
    long probesFailed;
    long indirectProbesSent;
    long suspicionsRaised;
    long refutations;
    long deathsDeclared;
    long broadcastsOriginated;
    long handOffsSent;
    long handOffRetries;
    long handOffsGivenUp;
    long syncRounds;
    long syncMismatches;
    long lateTimers;
    long multicastsSent;
    long multicastsReceived;

    /** Direct probes sent. */
    public long probesSent() {
        return probesSent;
    }

    /** Probes that got no ack, directly or through helpers. */
    public long probesFailed() {
        return probesFailed;
    }

    /** Indirect probe requests sent to helpers. */
    public long indirectProbesSent() {
        return indirectProbesSent;
    }

    /** Members this node moved from ALIVE to SUSPECT. */
    public long suspicionsRaised() {
        return suspicionsRaised;
    }

    /** Times this node refuted news of its own failure by raising its incarnation. */
    public long refutations() {
        return refutations;
    }

    /** Members this node declared DEAD. */
    public long deathsDeclared() {
        return deathsDeclared;
    }

    /** Broadcasts this node started. */
    public long broadcastsOriginated() {
        return broadcastsOriginated;
    }

    /** Broadcast hand-offs sent, retries included. */
    public long handOffsSent() {
        return handOffsSent;
    }

    /** Hand-offs sent again to another node after no ack came. */
    public long handOffRetries() {
        return handOffRetries;
    }

    /** Halves left to anti-entropy after every retry went unanswered. */
    public long handOffsGivenUp() {
        return handOffsGivenUp;
    }

    /** Anti-entropy rounds started. */
    public long syncRounds() {
        return syncRounds;
    }

    /** Anti-entropy exchanges where the digests differed. */
    public long syncMismatches() {
        return syncMismatches;
    }

    /** Timer runs noticed late enough to lower the local health. */
    public long lateTimers() {
        return lateTimers;
    }

    /** Broadcasts whose first hop was also multicast to the local network. */
    public long multicastsSent() {
        return multicastsSent;
    }

    /** Multicast first hops received from other nodes. */
    public long multicastsReceived() {
        return multicastsReceived;
    }
}
