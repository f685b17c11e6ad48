package io.scalesmall.cli;

import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.MetadataResponse.Range;
import io.scalesmall.protocol.MetadataResponse.Stream;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCopies;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code scalesmall streams}: lists the streams with their ranges, replicas, sizes and
 * under-replicated batches. One node (the first of {@code --server} that answers) gives the
 * streams, ranges and nodes; then every node is asked what it stores, since a METADATA answer
 * counts only the responder's own data. A range's size is the largest copy; its
 * under-replicated batches are those its fullest replica holds beyond its emptiest one, a
 * replica that does not answer counting as empty (its copies cannot be read now) unless it left
 * the cluster, and all of its batches while fewer of its holders are live than it was made with
 * (capped by the replication factor and the live members): a node stopped with SIGTERM also
 * shows LEFT, and its copies count as missing until other nodes restored them.
 */
@Command(
        name = "streams",
        mixinStandardHelpOptions = true,
        description = "List streams with their ranges, replicas, sizes and under-replicated batches.")
final class StreamsCommand implements Callable<Integer> {
    @Mixin
    QueryOptions query;

    @Parameters(arity = "0..*", paramLabel = "STREAM", description = "Streams to list (default: all).")
    List<String> names = new ArrayList<>();

    /**
     * What the cluster says of its streams: one node's view, every node's own copies, the members'
     * statuses, and each stream described.
     */
    record Report(
            MetadataResponse view,
            Map<NodeId, Map<String, Range>> stored,
            Map<NodeId, String> status,
            List<Map<String, Object>> streams) {}

    /**
     * Asks the first node of {@code servers} that answers for the streams and members, then every
     * node for what it stores.
     *
     * @throws IllegalStateException when no node answers
     */
    static Report report(String servers, AccessOptions access, long timeoutMs, String[] wanted)
            throws InterruptedException {
        MetadataResponse view = Servers.request(
                servers, "scalesmall-cli-streams", access, timeoutMs, "the streams", c -> c.metadata(wanted));
        Map<NodeId, Map<String, Range>> stored = storedPerNode(view, wanted, access, timeoutMs);
        Map<NodeId, String> status = new HashMap<>();
        Servers.request(servers, "scalesmall-cli-streams", access, timeoutMs, "the member table", c -> c.members())
                .members()
                .forEach(m -> status.put(m.id(), m.status()));
        List<Map<String, Object>> streams = new ArrayList<>();
        List<Stream> sorted = new ArrayList<>(view.streams());
        sorted.sort(Comparator.comparing(Stream::name));
        for (Stream s : sorted) {
            streams.add(describe(view, s, stored, status));
        }
        return new Report(view, stored, status, streams);
    }

    @Override
    public Integer call() throws Exception {
        boolean printJson = query.printJson();
        Report report = report(query.server, query.auth, query.timeoutMs, names.toArray(String[]::new));
        MetadataResponse view = report.view();
        Map<NodeId, Map<String, Range>> stored = report.stored();
        List<Map<String, Object>> streams = report.streams();
        PrintStream out = System.out;
        if (printJson) {
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (MetadataResponse.Node n : view.nodes()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("id", n.id().toString());
                o.put("clientAddress", MembersCommand.address(n.host(), n.port()));
                o.put("answered", stored.containsKey(n.id()));
                nodes.add(o);
            }
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("streams", streams);
            all.put("nodes", nodes);
            out.println(Json.line(all));
        } else {
            printTable(out, streams);
        }
        out.flush();
        return 0;
    }

    /** Each node's own view of what it stores, by range id; nodes that do not answer are absent. */
    private static Map<NodeId, Map<String, Range>> storedPerNode(
            MetadataResponse view, String[] wanted, AccessOptions access, long timeoutMs) throws InterruptedException {
        Map<NodeId, Map<String, Range>> stored = new HashMap<>();
        for (MetadataResponse.Node n : view.nodes()) {
            MetadataResponse own = n.id().equals(view.responder()) ? view : null;
            if (own == null) {
                try {
                    own = Servers.request(
                            MembersCommand.address(n.host(), n.port()),
                            "scalesmall-cli-streams",
                            access,
                            timeoutMs,
                            "the streams",
                            c -> c.metadata(wanted));
                } catch (IllegalStateException e) {
                    continue; // down or unreachable: its copies count as missing
                }
                if (!own.responder().equals(n.id())) {
                    continue; // another node now listens there
                }
            }
            Map<String, Range> ranges = new HashMap<>();
            for (Stream s : own.streams()) {
                for (Range r : s.ranges()) {
                    ranges.put(s.name() + "/" + r.rangeId(), r); // range ids are unique per stream
                }
            }
            stored.put(n.id(), ranges);
        }
        return stored;
    }

    /**
     * One stream as printed: its ranges, each with its copies (from {@code stored}, each node's own
     * answer, by "stream/rangeId") and the members' statuses.
     */
    static Map<String, Object> describe(
            MetadataResponse view, Stream stream, Map<NodeId, Map<String, Range>> stored, Map<NodeId, String> status) {
        List<Map<String, Object>> ranges = new ArrayList<>();
        long sizeBytes = 0;
        long batches = 0;
        long under = 0;
        long liveMembers = status.values().stream().filter(RangeCopies::isLive).count();
        List<Range> bySlice = new ArrayList<>(stream.ranges());
        // By key slice, then oldest first, for people; splits make slices nest.
        bySlice.sort(Comparator.comparingLong(Range::firstHash).thenComparingLong(Range::sinceHlc));
        for (Range r : bySlice) {
            List<Map<String, Object>> replicas = new ArrayList<>();
            RangeCopies copies = new RangeCopies(stream.options().replicationFactor(), liveMembers);
            for (int index : r.replicas()) {
                MetadataResponse.Node n = view.nodes().get(index);
                Map<String, Range> own = stored.get(n.id());
                Range copy = own == null ? null : own.get(stream.name() + "/" + r.rangeId());
                long copyBatches = copy == null ? 0 : copy.batches();
                long copyBytes = copy == null ? 0 : copy.sizeBytes();
                copies.add(status.get(n.id()), copyBatches, copyBytes);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("id", n.id().toString());
                o.put("clientAddress", MembersCommand.address(n.host(), n.port()));
                o.put("answered", own != null);
                o.put("status", status.getOrDefault(n.id(), "UNKNOWN"));
                o.put("sizeBytes", copyBytes);
                o.put("batches", copyBatches);
                replicas.add(o);
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("rangeId", r.rangeId());
            o.put("firstHash", r.firstHash());
            o.put("lastHash", r.lastHash());
            o.put("current", r.current());
            o.put("sinceHlc", r.sinceHlc());
            o.put("sizeBytes", copies.sizeBytes());
            o.put("batches", copies.batches());
            o.put("underReplicatedBatches", copies.underReplicatedBatches());
            o.put("replicas", replicas);
            ranges.add(o);
            sizeBytes += copies.sizeBytes();
            batches += copies.batches();
            under += copies.underReplicatedBatches();
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", stream.name());
        o.put("replicationFactor", stream.options().replicationFactor());
        o.put("retentionMs", stream.options().retentionMs());
        o.put("retentionBytes", stream.options().retentionBytes());
        o.put("sizeBytes", sizeBytes);
        o.put("batches", batches);
        o.put("underReplicatedBatches", under);
        o.put("ranges", ranges);
        return o;
    }

    @SuppressWarnings("unchecked")
    private static void printTable(PrintStream out, List<Map<String, Object>> streams) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"STREAM", "RANGE", "KEYS", "STATE", "REPLICAS", "SIZE", "BATCHES", "UNDER-REPLICATED"});
        for (Map<String, Object> s : streams) {
            for (Map<String, Object> r : (List<Map<String, Object>>) s.get("ranges")) {
                StringBuilder replicas = new StringBuilder();
                for (Map<String, Object> replica : (List<Map<String, Object>>) r.get("replicas")) {
                    replicas.append(replicas.isEmpty() ? "" : ",")
                            .append(((String) replica.get("id")), 0, 8)
                            .append(
                                    Boolean.TRUE.equals(replica.get("answered"))
                                            ? ""
                                            : "LEFT".equals(replica.get("status")) ? "(left)" : "(down)");
                }
                rows.add(new String[] {
                    (String) s.get("name"),
                    r.get("rangeId").toString(),
                    String.format(Locale.ROOT, "%08x-%08x", (Long) r.get("firstHash"), (Long) r.get("lastHash")),
                    Boolean.TRUE.equals(r.get("current")) ? "current" : "sealed",
                    replicas.isEmpty() ? "-" : replicas.toString(),
                    MembersCommand.humanBytes((Long) r.get("sizeBytes")),
                    r.get("batches").toString(),
                    r.get("underReplicatedBatches").toString()
                });
            }
        }
        Table.print(out, rows);
        if (streams.isEmpty()) {
            out.println("(no streams)");
        }
    }
}
