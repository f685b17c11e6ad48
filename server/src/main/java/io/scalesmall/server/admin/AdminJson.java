package io.scalesmall.server.admin;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.Node;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.PlacementView;
import io.scalesmall.server.placement.PlacementView.RangeInfo;
import io.scalesmall.server.storage.RangeLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's documents, as maps for the JSON writer: members with the fields of {@code
 * scalesmall members --json}, and streams with their ranges as this node's placement view shows
 * them, sizes being this node's own copies.
 *
 * <p>Stateless; reads the node's published snapshots, so any thread may call it.
 */
final class AdminJson {
    private AdminJson() {}

    /** One member, as {@code members --json} prints it, with its draining flag. */
    static Map<String, Object> member(MemberEntry m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", m.id().toString());
        o.put("address", address(m.metadata().clusterEndpoint()));
        o.put("clientAddress", address(m.metadata().clientEndpoint()));
        o.put("status", m.status().name());
        o.put("incarnation", m.incarnation());
        o.put("sinceMs", m.sinceMs());
        o.put("diskBytes", m.metadata().diskBytes());
        o.put("memoryBytes", m.metadata().memoryBytes());
        o.put("cores", m.metadata().cores());
        o.put("zone", m.metadata().zone());
        o.put("draining", m.metadata().draining());
        return o;
    }

    /**
     * One member by its id (the full 32 hex digits or a unique prefix), or null. This node adds
     * whether it is ready, its hand-off state and the ranges it holds.
     */
    static Map<String, Object> node(Node node, String idOrPrefix) {
        MemberEntry found = null;
        for (MemberEntry m : node.cluster().members()) {
            if (!idOrPrefix.isEmpty() && m.id().toString().startsWith(idOrPrefix.toLowerCase(java.util.Locale.ROOT))) {
                if (found != null) {
                    return null; // ambiguous
                }
                found = m;
            }
        }
        if (found == null) {
            return null;
        }
        Map<String, Object> o = member(found);
        if (found.id().equals(node.nodeId())) {
            String notReady = node.notReadyReason();
            o.put("self", true);
            o.put("ready", notReady == null);
            if (notReady != null) {
                o.put("notReadyReason", notReady);
            }
            o.put("drain", node.drainState());
            List<Map<String, Object>> ranges = new ArrayList<>();
            List<RangeClaim> held = new ArrayList<>(node.agent().catalog().ranges());
            held.sort(Comparator.comparing(RangeClaim::stream).thenComparingLong(RangeClaim::sinceHlc));
            for (RangeClaim r : held) {
                Map<String, Object> range = new LinkedHashMap<>();
                range.put("stream", r.stream());
                range.put("rangeId", r.rangeId());
                range.put("sealed", r.sealed());
                putLocalCopy(node, r.stream(), r.rangeId(), range);
                ranges.add(range);
            }
            o.put("ranges", ranges);
        } else {
            o.put("self", false);
        }
        return o;
    }

    /** Every stream this node knows, or only {@code name} (empty when it does not know it). */
    static List<Map<String, Object>> streams(Node node, String name) {
        PlacementView view = node.placement().view();
        List<Map<String, Object>> out = new ArrayList<>();
        for (StreamClaim s : view.streams().values()) {
            if (name != null && !name.equals(s.stream())) {
                continue;
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", s.stream());
            o.put("replicationFactor", s.replicationFactor());
            o.put("retentionMs", s.retentionMs());
            o.put("retentionBytes", s.retentionBytes());
            List<RangeInfo> infos = new ArrayList<>(view.ranges(s.stream()).values());
            // By key slice, then oldest first, as `scalesmall streams` prints them.
            infos.sort(Comparator.comparingLong((RangeInfo r) -> r.descriptor().startHash())
                    .thenComparingLong(r -> r.descriptor().sinceHlc()));
            List<Map<String, Object>> ranges = new ArrayList<>();
            for (RangeInfo info : infos) {
                ranges.add(range(node, view, info));
            }
            o.put("ranges", ranges);
            out.add(o);
        }
        return out;
    }

    private static Map<String, Object> range(Node node, PlacementView view, RangeInfo info) {
        RangeClaim d = info.descriptor();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("rangeId", d.rangeId());
        o.put("firstHash", d.startHash());
        o.put("lastHash", d.endHash() - 1);
        o.put("current", view.isCurrent(info));
        o.put("sinceHlc", d.sinceHlc());
        List<Map<String, Object>> replicas = new ArrayList<>();
        List<NodeId> where = new ArrayList<>(d.replicas());
        for (NodeId holder : info.holders()) {
            if (!where.contains(holder)) {
                where.add(holder); // a restored copy
            }
        }
        for (NodeId id : where) {
            Map<String, Object> r = new LinkedHashMap<>();
            MemberEntry m = view.member(id);
            r.put("id", id.toString());
            r.put("status", m == null ? "UNKNOWN" : m.status().name());
            r.put("replica", d.replicas().contains(id));
            r.put("holds", info.holders().contains(id));
            r.put("sealed", info.sealedBy().contains(id));
            replicas.add(r);
        }
        o.put("replicas", replicas);
        putLocalCopy(node, d.stream(), d.rangeId(), o);
        return o;
    }

    /** This node's copy of a range: its bytes and batches, or nulls when it holds none. */
    private static void putLocalCopy(Node node, String stream, int rangeId, Map<String, Object> o) {
        // Only a log the node has open: the admin thread opens none (all held ranges open at start).
        RangeLog log = node.agent().openLog(stream, rangeId);
        o.put("localSizeBytes", log == null ? null : log.sizeBytes());
        o.put("localBatches", log == null ? null : log.batchCount());
    }

    private static String address(Endpoint e) {
        return (e.host().indexOf(':') >= 0 ? "[" + e.host() + "]" : e.host()) + ":" + e.port();
    }
}
