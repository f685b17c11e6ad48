package io.scalesmall.sim;

import io.scalesmall.server.cluster.ClusterConfig;

/**
 * Everything one simulation run depends on. Two runs with equal configs produce the same trace.
 *
 * @param scenario what happens during the run
 * @param nodes nodes in the scenario (for {@link Scenario#CHURN}: the pool that churns)
 * @param seed the single source of every random choice of the run
 * @param lossProbability each message is dropped with this probability, independently
 * @param duplicateProbability each delivered message is delivered a second time, with its own
 *     latency, with this probability
 * @param latencyMs one-way latency of every link
 * @param jitterMs extra latency drawn uniformly from {@code [0, jitterMs)} per message; messages
 *     overtake each other when it exceeds their spacing (reordering)
 * @param durationS simulated seconds
 * @param faultAtS when the scenario's fault starts (crash, partition, slowdown, pause, churn)
 * @param faultForS how long a temporary fault lasts (partition until heal, pause until resume)
 * @param slowFactor how much slower a slowed node is (see {@link SimNode} for the model)
 * @param cluster the protocol's settings, the same for every node
 * @param multicast every node is on one LAN whose multicast group carries the first hop of
 *     broadcasts (each receiver loses a multicast with the loss probability, independently)
 */
public record SimConfig(
        Scenario scenario,
        int nodes,
        long seed,
        double lossProbability,
        double duplicateProbability,
        double latencyMs,
        double jitterMs,
        long durationS,
        double faultAtS,
        double faultForS,
        double slowFactor,
        ClusterConfig cluster,
        boolean multicast) {

    /** Default one-way latency. */
    public static final double DEFAULT_LATENCY_MS = 1.0;
    /** Default jitter. */
    public static final double DEFAULT_JITTER_MS = 0.5;
    /** Default run length. */
    public static final long DEFAULT_DURATION_S = 120;
    /** Default slow factor of {@link Scenario#SLOW10}. */
    public static final double DEFAULT_SLOW_FACTOR = 5.0;

    public SimConfig {
        if (scenario == null || cluster == null) {
            throw new IllegalArgumentException("a simulation needs a scenario and a cluster config");
        }
        if (nodes < 2) {
            throw new IllegalArgumentException("a simulation needs at least 2 nodes: " + nodes);
        }
        if (!(lossProbability >= 0 && lossProbability < 1)
                || !(duplicateProbability >= 0 && duplicateProbability < 1)) {
            throw new IllegalArgumentException("loss and duplication are probabilities in [0, 1)");
        }
        if (!(latencyMs >= 0) || !(jitterMs >= 0)) {
            throw new IllegalArgumentException("latency and jitter cannot be negative");
        }
        if (durationS < 1 || !(faultAtS >= 0) || !(faultForS >= 0)) {
            throw new IllegalArgumentException("need a positive duration and non-negative fault times");
        }
        if (!(slowFactor >= 1)) {
            throw new IllegalArgumentException("the slow factor is at least 1: " + slowFactor);
        }
    }

    /**
     * The defaults for a scenario: 1 ms latency, 0.5 ms jitter, no loss, {@value
     * #DEFAULT_DURATION_S} s, the fault at a quarter of the run (at most 30 s in), temporary faults
     * lasting 30 s, {@link ClusterConfig#defaults()}.
     */
    public static SimConfig defaults(Scenario scenario, int nodes, long seed) {
        return new SimConfig(
                scenario,
                nodes,
                seed,
                0.0,
                0.0,
                DEFAULT_LATENCY_MS,
                DEFAULT_JITTER_MS,
                DEFAULT_DURATION_S,
                defaultFaultAtS(DEFAULT_DURATION_S),
                30,
                DEFAULT_SLOW_FACTOR,
                ClusterConfig.defaults(),
                false);
    }

    /** A quarter of the run, at most 30 s. */
    public static double defaultFaultAtS(long durationS) {
        return Math.min(30.0, durationS / 4.0);
    }

    /** A copy with another loss probability. */
    public SimConfig withLoss(double newLossProbability) {
        return new SimConfig(
                scenario,
                nodes,
                seed,
                newLossProbability,
                duplicateProbability,
                latencyMs,
                jitterMs,
                durationS,
                faultAtS,
                faultForS,
                slowFactor,
                cluster,
                multicast);
    }

    /** A copy with another duration, the fault moved to its default time for that duration. */
    public SimConfig withDuration(long newDurationS, double newFaultForS) {
        return new SimConfig(
                scenario,
                nodes,
                seed,
                lossProbability,
                duplicateProbability,
                latencyMs,
                jitterMs,
                newDurationS,
                defaultFaultAtS(newDurationS),
                newFaultForS,
                slowFactor,
                cluster,
                multicast);
    }

    /** A copy with another seed. */
    public SimConfig withSeed(long newSeed) {
        return new SimConfig(
                scenario,
                nodes,
                newSeed,
                lossProbability,
                duplicateProbability,
                latencyMs,
                jitterMs,
                durationS,
                faultAtS,
                faultForS,
                slowFactor,
                cluster,
                multicast);
    }

    /** A copy with multicast on or off. */
    public SimConfig withMulticast(boolean newMulticast) {
        return new SimConfig(
                scenario,
                nodes,
                seed,
                lossProbability,
                duplicateProbability,
                latencyMs,
                jitterMs,
                durationS,
                faultAtS,
                faultForS,
                slowFactor,
                cluster,
                newMulticast);
    }
}
