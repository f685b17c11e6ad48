package io.scalesmall.sim;

import io.scalesmall.server.cluster.MemberStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one run: a nested map (for JSON) and the same figures as text. Times are in
 * milliseconds unless a name says otherwise. docs/SIMULATION.md explains every field. Immutable.
 */
public final class SimReport {
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final String violation;
    private final long trace;
    private final boolean convergedAtEnd;
    private final boolean membershipAgreedAtEnd;
    private final int healthyFalsePositives;
    private final int slowFalsePositives;
    private final int crashes;
    private final int crashesDetectedEverywhere;
    private final double maxDetectionEverywhereMs;
    private final long incompleteChanges;
    private final double joinP99Ms;
    private final double handoffsPerNodePerBroadcastMean;

    SimReport(Simulation sim, double wallS, String violation, String violationEvent, boolean convergedAtEnd) {
        SimConfig c = sim.config();
        ChangeTracker t = sim.tracker();
        TrafficStats tr = sim.traffic();
        this.violation = violation;
        this.trace = sim.trace();
        this.convergedAtEnd = convergedAtEnd;
        this.membershipAgreedAtEnd = sim.membershipAgreedAtEnd();
        this.healthyFalsePositives = t.healthyMarkedDead.cardinality();
        this.slowFalsePositives = t.slowMarkedDead.cardinality();
        this.incompleteChanges = t.incompleteChanges();

        put(fields, "scenario", c.scenario().label());
        put(fields, "nodes", c.nodes());
        put(fields, "seed", c.seed());
        put(fields, "loss", c.lossProbability());
        put(fields, "duplication", c.duplicateProbability());
        put(fields, "latency_ms", c.latencyMs());
        put(fields, "jitter_ms", c.jitterMs());
        put(fields, "duration_s", c.durationS());
        put(fields, "fault_at_s", c.faultAtS());
        put(fields, "fault_for_s", c.faultForS());
        put(fields, "slow_factor", c.slowFactor());
        put(fields, "wall_s", round(wallS, 2));
        put(fields, "events", sim.events());
        put(fields, "trace", String.format("%016x", trace));
        put(fields, "ok", violation == null);
        put(
                fields,
                "violation",
                violation == null ? null : violation + " (seed " + c.seed() + ", " + violationEvent + ")");

        Map<String, Object> conv = new LinkedHashMap<>();
        conv.put("converged_at_end", convergedAtEnd);
        conv.put("membership_agreed_at_end", sim.membershipAgreedAtEnd());
        conv.put("divergence_at_end", sim.divergenceAtEnd());
        conv.put("first_converged_s", round(sim.convergence().firstConvergedS(), 3));
        conv.put("after_last_change_s", round(sim.convergenceAfterLastChangeS(convergedAtEnd), 3));
        conv.put("converged_fraction_of_probes", round(sim.convergence().convergedFraction(), 4));
        conv.put("up_nodes_at_end", sim.upNodes());
        fields.put("convergence", conv);

        Map<String, Object> ch = new LinkedHashMap<>();
        ch.put("seen", t.changesSeen);
        ch.put("known_everywhere", t.changesCompleted);
        ch.put("not_known_everywhere", incompleteChanges);
        ch.put("time_to_all_ms", percentiles(t.allTimeUs, 1000.0));
        ch.put("join_time_to_all_ms", percentiles(t.joinTimeUs, 1000.0));
        Map<String, Object> byStatus = new LinkedHashMap<>();
        for (MemberStatus s : MemberStatus.values()) {
            byStatus.put(s.name(), percentiles(t.timeUsByStatus[s.ordinal()], 1000.0));
        }
        ch.put("time_to_all_ms_by_status", byStatus);
        ch.put("hops_to_all", percentiles(t.depth, 1.0));
        Map<String, Object> learned = new LinkedHashMap<>();
        String[] learnedNames = {
            "own_timers", "other_message", "broadcast", "anti_entropy", "join", "superseded", "multicast"
        };
        for (ChangeTracker.Source s : ChangeTracker.Source.values()) {
            learned.put(learnedNames[s.ordinal()], t.learnedBy[s.ordinal()]);
        }
        ch.put("learned_by", learned);
        this.joinP99Ms = t.joinTimeUs.getTotalCount() == 0 ? -1 : t.joinTimeUs.getValueAtPercentile(99) / 1000.0;
        fields.put("changes", ch);

        List<Double> firsts = new ArrayList<>();
        List<Double> alls = new ArrayList<>();
        int undetected = 0;
        int restartedFirst = 0;
        for (ChangeTracker.CrashWatch w : t.crashes) {
            if (w.firstUs >= 0) {
                firsts.add((w.firstUs - w.crashUs) / 1000.0);
            }
            if (w.allUs >= 0) {
                alls.add((w.allUs - w.crashUs) / 1000.0);
            } else if (w.restartedFirst) {
                restartedFirst++;
            } else {
                undetected++;
            }
        }
        this.crashes = t.crashes.size();
        this.crashesDetectedEverywhere = alls.size();
        this.maxDetectionEverywhereMs =
                alls.isEmpty() ? -1 : alls.stream().mapToDouble(d -> d).max().orElse(-1);
        Map<String, Object> det = new LinkedHashMap<>();
        det.put("crashes", crashes);
        det.put("first_node_ms", summary(firsts));
        det.put("every_node_ms", summary(alls));
        det.put("not_detected_everywhere", undetected);
        det.put("restarted_before_detected_everywhere", restartedFirst);
        fields.put("detection", det);

        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("never_faulted_marked_dead", healthyFalsePositives);
        fp.put("slow_marked_dead", slowFalsePositives);
        fields.put("false_positives", fp);

        Map<String, Object> traffic = new LinkedHashMap<>();
        double nodeS = Math.max(1e-9, tr.nodeSeconds());
        traffic.put("messages_per_node_per_s", round(tr.sentMessages / nodeS, 2));
        traffic.put("bytes_per_node_per_s", round(tr.sentBytes / nodeS, 1));
        if (tr.hasWindow()) {
            traffic.put("steady_from_s", round(tr.windowStartS(), 3));
            traffic.put("steady_to_s", round(tr.windowEndS(), 3));
            traffic.put("steady_messages_per_node_per_s", round(tr.windowMessagesPerNodeSecond(), 2));
            traffic.put("steady_bytes_per_node_per_s", round(tr.windowBytesPerNodeSecond(), 1));
        }
        long busiest = Arrays.stream(tr.sentBytesByNode).max().orElse(0);
        traffic.put("busiest_node_bytes_per_s", round(busiest / (double) c.durationS(), 1));
        traffic.put("messages", tr.sentMessages);
        traffic.put("bytes", tr.sentBytes);
        Map<String, Object> byType = new LinkedHashMap<>();
        for (int i = 0; i < MessageSizes.TYPE_NAMES.length; i++) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("messages", tr.messagesByType[i]);
            one.put("bytes", tr.bytesByType[i]);
            byType.put(MessageSizes.TYPE_NAMES[i], one);
        }
        traffic.put("by_type", byType);
        fields.put("traffic", traffic);

        double[] handoffs = new double[tr.broadcasts.size()];
        double ackSum = 0;
        int i = 0;
        for (long[] b : tr.broadcasts.values()) {
            double live = Math.max(1, b[2]);
            handoffs[i++] = b[0] / live;
            ackSum += b[1] / live;
        }
        Arrays.sort(handoffs);
        this.handoffsPerNodePerBroadcastMean =
                handoffs.length == 0 ? 0 : Arrays.stream(handoffs).sum() / handoffs.length;
        Map<String, Object> bc = new LinkedHashMap<>();
        bc.put("broadcasts", handoffs.length);
        bc.put("handoffs_per_node_mean", round(handoffsPerNodePerBroadcastMean, 4));
        bc.put("handoffs_per_node_p50", round(at(handoffs, 0.50), 4));
        bc.put("handoffs_per_node_p99", round(at(handoffs, 0.99), 4));
        bc.put("handoffs_per_node_max", round(at(handoffs, 1.0), 4));
        bc.put("acks_per_node_mean", round(handoffs.length == 0 ? 0 : ackSum / handoffs.length, 4));
        bc.put("deepest_hop", tr.deepestHop);
        fields.put("broadcasts", bc);

        SimNetwork net = sim.network();
        Map<String, Object> nw = new LinkedHashMap<>();
        nw.put("handled", sim.handledMessages());
        nw.put("lost", net.lostMessages);
        nw.put("partitioned", net.partitionedMessages);
        nw.put("duplicated", net.duplicatedMessages);
        nw.put("to_down_node", sim.droppedAtDownNode());
        nw.put("to_unknown_endpoint", net.unknownEndpointMessages);
        fields.put("network", nw);
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        m.put(k, v);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static Map<String, Object> percentiles(Histogram h, double divisor) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            m.put("p50", round(h.getValueAtPercentile(50) / divisor, 1));
            m.put("p99", round(h.getValueAtPercentile(99) / divisor, 1));
            m.put("max", round(h.getMaxValue() / divisor, 1));
        }
        return m;
    }

    private static Map<String, Object> summary(List<Double> values) {
        double[] v = values.stream().mapToDouble(d -> d).sorted().toArray();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", v.length);
        if (v.length > 0) {
            m.put("p50", round(at(v, 0.5), 1));
            m.put("p99", round(at(v, 0.99), 1));
            m.put("max", round(v[v.length - 1], 1));
        }
        return m;
    }

    /** Nearest-rank quantile of sorted values; 0 when empty. */
    private static double at(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    /** Every figure, as nested maps of numbers, strings and booleans (for JSON). */
    public Map<String, Object> toMap() {
        return fields;
    }

    /** Null when every invariant held; otherwise what broke, with the seed and the event. */
    public String violation() {
        return violation == null ? null : (String) fields.get("violation");
    }

    /** Hash of the whole trace: equal seeds and configs give equal hashes. */
    public long traceHash() {
        return trace;
    }

    public boolean convergedAtEnd() {
        return convergedAtEnd;
    }

    /** Every node up sees exactly the nodes up as ALIVE (claims may still differ). */
    public boolean membershipAgreedAtEnd() {
        return membershipAgreedAtEnd;
    }

    /** Never-faulted nodes marked DEAD at some node. */
    public int falsePositives() {
        return healthyFalsePositives;
    }

    /** Slowed (but never otherwise faulted) nodes marked DEAD at some node. */
    public int slowFalsePositives() {
        return slowFalsePositives;
    }

    public int crashes() {
        return crashes;
    }

    /** Crashes that every node up came to see as DEAD. */
    public int crashesDetectedEverywhere() {
        return crashesDetectedEverywhere;
    }

    /** The longest crash-to-DEAD-everywhere time, or -1. */
    public double maxDetectionEverywhereMs() {
        return maxDetectionEverywhereMs;
    }

    /** Changes some node up did not know at the end. */
    public long incompleteChanges() {
        return incompleteChanges;
    }

    /** p99 of join-to-known-everywhere, or -1 without joins. */
    public double joinP99Ms() {
        return joinP99Ms;
    }

    /** Broadcast hand-offs per up node, averaged over broadcasts. */
    public double handoffsPerNodePerBroadcastMean() {
        return handoffsPerNodePerBroadcastMean;
    }

    /** The human-readable report. */
    public String toText() {
        return SimReportText.format(fields);
    }

    @Override
    public String toString() {
        return toText();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
