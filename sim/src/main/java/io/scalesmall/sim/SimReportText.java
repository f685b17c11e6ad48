package io.scalesmall.sim;

import java.util.Locale;
import java.util.Map;

/** Renders a {@link SimReport}'s fields as a few readable lines. Stateless. */
final class SimReportText {
    private SimReportText() {}

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sub(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    private static String dist(Map<String, Object> d, String unit) {
        Object count = d.get("count");
        if (!d.containsKey("p50")) {
            return "none";
        }
        return "p50 " + d.get("p50") + unit + ", p99 " + d.get("p99") + unit + ", max " + d.get("max") + unit + " (n="
                + count + ")";
    }

    static String format(Map<String, Object> f) {
        StringBuilder b = new StringBuilder();
        String nl = System.lineSeparator();
        b.append(String.format(
                        Locale.ROOT,
                        "scenario %s: %d nodes, seed %d, loss %.1f%%, duplication %.1f%%, latency %s ms + jitter"
                                + " %s ms, %d s simulated (fault at %s s, lasting %s s)",
                        f.get("scenario"),
                        (Integer) f.get("nodes"),
                        (Long) f.get("seed"),
                        (Double) f.get("loss") * 100,
                        (Double) f.get("duplication") * 100,
                        f.get("latency_ms"),
                        f.get("jitter_ms"),
                        (Long) f.get("duration_s"),
                        f.get("fault_at_s"),
                        f.get("fault_for_s")))
                .append(nl);
        b.append("run:          ")
                .append(f.get("wall_s"))
                .append(" s wall clock, ")
                .append(f.get("events"))
                .append(" events, trace ")
                .append(f.get("trace"))
                .append(nl);
        b.append("invariants:   ")
                .append(Boolean.TRUE.equals(f.get("ok")) ? "held" : "VIOLATED: " + f.get("violation"))
                .append(nl);

        Map<String, Object> conv = sub(f, "convergence");
        b.append("convergence:  ")
                .append(
                        Boolean.TRUE.equals(conv.get("converged_at_end"))
                                ? "all views equal at the end, " + conv.get("after_last_change_s")
                                        + " s after the last change"
                                : "views NOT converged at the end ("
                                        + (Boolean.TRUE.equals(conv.get("membership_agreed_at_end"))
                                                ? "membership agreed everywhere; "
                                                : "membership differs; ")
                                        + conv.get("divergence_at_end") + ")")
                .append("; first converged at ")
                .append(conv.get("first_converged_s"))
                .append(" s; converged at ")
                .append(Math.round((Double) conv.get("converged_fraction_of_probes") * 1000) / 10.0)
                .append("% of probes; ")
                .append(conv.get("up_nodes_at_end"))
                .append(" nodes up at the end")
                .append(nl);

        Map<String, Object> ch = sub(f, "changes");
        b.append("changes:      ")
                .append(ch.get("seen"))
                .append(" seen, ")
                .append(ch.get("known_everywhere"))
                .append(" known by every node up, ")
                .append(ch.get("not_known_everywhere"))
                .append(" not (yet)")
                .append(nl);
        b.append("  time to all nodes: ")
                .append(dist(sub(ch, "time_to_all_ms"), " ms"))
                .append(nl);
        b.append("  joins:             ")
                .append(dist(sub(ch, "join_time_to_all_ms"), " ms"))
                .append(nl);
        Map<String, Object> byStatus = sub(ch, "time_to_all_ms_by_status");
        for (Map.Entry<String, Object> e : byStatus.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> d = (Map<String, Object>) e.getValue();
            b.append(String.format(Locale.ROOT, "  %-8s           ", e.getKey()))
                    .append(dist(d, " ms"))
                    .append(nl);
        }
        b.append("  hops to all nodes: ")
                .append(dist(sub(ch, "hops_to_all"), ""))
                .append(nl);
        b.append("  learned by:        ").append(sub(ch, "learned_by")).append(nl);

        Map<String, Object> det = sub(f, "detection");
        b.append("detection:    ")
                .append(det.get("crashes"))
                .append(" crashes; DEAD at the first node: ")
                .append(dist(sub(det, "first_node_ms"), " ms"))
                .append("; at every node: ")
                .append(dist(sub(det, "every_node_ms"), " ms"))
                .append("; not everywhere: ")
                .append(det.get("not_detected_everywhere"))
                .append(", restarted first: ")
                .append(det.get("restarted_before_detected_everywhere"))
                .append(nl);

        Map<String, Object> fp = sub(f, "false_positives");
        b.append("false pos.:   ")
                .append(fp.get("never_faulted_marked_dead"))
                .append(" never-faulted nodes marked DEAD, ")
                .append(fp.get("slow_marked_dead"))
                .append(" slowed nodes marked DEAD")
                .append(nl);

        Map<String, Object> tr = sub(f, "traffic");
        b.append("traffic:      ")
                .append(tr.get("messages_per_node_per_s"))
                .append(" msg/node/s, ")
                .append(tr.get("bytes_per_node_per_s"))
                .append(" B/node/s over the run");
        if (tr.containsKey("steady_from_s")) {
            b.append("; steady [")
                    .append(tr.get("steady_from_s"))
                    .append(" s, ")
                    .append(tr.get("steady_to_s"))
                    .append(" s]: ")
                    .append(tr.get("steady_messages_per_node_per_s"))
                    .append(" msg/node/s, ")
                    .append(tr.get("steady_bytes_per_node_per_s"))
                    .append(" B/node/s");
        }
        b.append("; busiest node ")
                .append(tr.get("busiest_node_bytes_per_s"))
                .append(" B/s")
                .append(nl);
        b.append("  by type: ");
        Map<String, Object> byType = sub(tr, "by_type");
        boolean first = true;
        for (Map.Entry<String, Object> e : byType.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> v = (Map<String, Object>) e.getValue();
            if (((Long) v.get("messages")) == 0) {
                continue;
            }
            b.append(first ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(v.get("messages"))
                    .append(" (")
                    .append(v.get("bytes"))
                    .append(" B)");
            first = false;
        }
        b.append(nl);

        Map<String, Object> bc = sub(f, "broadcasts");
        b.append("broadcasts:   ")
                .append(bc.get("broadcasts"))
                .append("; hand-offs per node per broadcast mean ")
                .append(bc.get("handoffs_per_node_mean"))
                .append(", p50 ")
                .append(bc.get("handoffs_per_node_p50"))
                .append(", p99 ")
                .append(bc.get("handoffs_per_node_p99"))
                .append(", max ")
                .append(bc.get("handoffs_per_node_max"))
                .append("; acks per node mean ")
                .append(bc.get("acks_per_node_mean"))
                .append("; deepest hop ")
                .append(bc.get("deepest_hop"))
                .append(nl);
        b.append("network:      ").append(sub(f, "network")).append(nl);
        return b.toString();
    }
}
