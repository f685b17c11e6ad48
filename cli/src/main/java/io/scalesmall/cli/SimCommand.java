package io.scalesmall.cli;

import io.scalesmall.server.cluster.ClusterConfig;
import io.scalesmall.sim.Scenario;
import io.scalesmall.sim.SimConfig;
import io.scalesmall.sim.SimReport;
import io.scalesmall.sim.Simulation;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall sim}: runs one deterministic simulation of the cluster plane and prints its
 * report (text, or one JSON object with {@code --json}).
 * Exit status 3 (distinct from picocli's 2 for bad usage) when an invariant was violated. See
 * docs/SIMULATION.md.
 */
@Command(
        name = "sim",
        mixinStandardHelpOptions = true,
        description = "Simulate a cluster of N nodes running the real cluster-plane protocol in virtual time,"
                + " under a fault scenario, and report convergence, failure detection and traffic."
                + " The same seed gives the same run. Large runs need heap: SCALESMALL_JAVA_OPTS=-Xmx12g.")
final class SimCommand implements Callable<Integer> {
    /** Exit status of a run that violated an invariant. */
    static final int INVARIANT_VIOLATED = 3;
    /** Runs this large print their progress to stderr. */
    private static final int PROGRESS_FROM_NODES = 2_000;

    @Option(names = "--nodes", defaultValue = "1000", description = "Nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--loss",
            defaultValue = "0",
            description = "Message loss probability, 0..1 (default: ${DEFAULT-VALUE}).")
    double loss;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--scenario",
            defaultValue = "crash",
            description = "join, crash, crash10, partition, slow10, pause or churn (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(
            names = "--duration-s",
            defaultValue = "120",
            description = "Simulated seconds (default: ${DEFAULT-VALUE}).")
    long durationS;

    @Option(
            names = "--fault-at-s",
            description = "When the fault starts (default: a quarter of the run, at most 30 s).")
    Double faultAtS;

    @Option(
            names = "--fault-for-s",
            defaultValue = "30",
            description = "How long a partition or a pause lasts (default: ${DEFAULT-VALUE}).")
    double faultForS;

    @Option(
            names = "--latency-ms",
            defaultValue = "1",
            description = "One-way link latency (default: ${DEFAULT-VALUE}).")
    double latencyMs;

    @Option(
            names = "--jitter-ms",
            defaultValue = "0.5",
            description = "Extra latency, uniform in [0, jitter); reorders messages (default: ${DEFAULT-VALUE}).")
    double jitterMs;

    @Option(
            names = "--duplication",
            defaultValue = "0",
            description = "Probability that a message is delivered twice (default: ${DEFAULT-VALUE}).")
    double duplication;

    @Option(
            names = "--slow-factor",
            defaultValue = "5",
            description = "How much slower the slowed nodes of slow10 are (default: ${DEFAULT-VALUE}).")
    double slowFactor;

    @Option(
            names = "--probe-interval-ms",
            description = "Protocol probe interval (default: the node default, 1000); the probe timeout and the"
                    + " sync interval scale with it.")
    Long probeIntervalMs;

    @Option(
            names = "--multicast",
            description = "Put every node on one LAN whose multicast group carries the first hop of broadcasts.")
    boolean multicast;

    @Option(names = "--json", description = "Print one JSON object instead of the text report.")
    boolean json;

    @Override
    public Integer call() {
        ClusterConfig cluster = ClusterConfig.defaults();
        if (probeIntervalMs != null) {
            long base = cluster.probeIntervalMs();
            cluster = cluster.withProbing(
                    probeIntervalMs,
                    Math.max(1, cluster.probeTimeoutMs() * probeIntervalMs / base),
                    Math.max(1, cluster.syncIntervalMs() * probeIntervalMs / base));
        }
        SimConfig config = new SimConfig(
                Scenario.parse(scenario),
                nodes,
                seed,
                loss,
                duplication,
                latencyMs,
                jitterMs,
                durationS,
                faultAtS != null ? faultAtS : SimConfig.defaultFaultAtS(durationS),
                faultForS,
                slowFactor,
                cluster,
                multicast);
        Simulation simulation = new Simulation(config);
        if (nodes >= PROGRESS_FROM_NODES) {
            simulation.progress(System.err, 10);
        }
        SimReport report = simulation.run();
        System.out.println(json ? Json.line(report.toMap()) : report.toText());
        if (report.violation() != null) {
            System.err.println("invariant violated: " + report.violation());
            return INVARIANT_VIOLATED;
        }
        return 0;
    }
}
