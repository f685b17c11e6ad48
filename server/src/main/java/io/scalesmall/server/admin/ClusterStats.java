package io.scalesmall.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCopies;
import io.scalesmall.server.Node;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.replication.DataStats;
import io.scalesmall.server.storage.RangeLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The cluster's figures as one node gathers them for the dashboard and {@code /api/streams}: its
 * own ({@code GET /api/stats}), and every live member's, asked in parallel at the admin endpoint
 * each advertises in its metadata. A member that does not answer within {@link #TIMEOUT} shows as
 * unreachable; one without an admin endpoint as not reporting. Answers are kept for {@link
 * #CACHE_MS}, so that several open dashboards ask each member once.
 *
 * <p>Thread-safe.
 */
final class ClusterStats implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final long CACHE_MS = 900;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Node node;
    private final TrafficHistory history;
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "scalesmall-admin-client");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http;
    /** "https" when this node has TLS: then every node's admin endpoint serves HTTPS. */
    private final String scheme;

    private CompletableFuture<Map<NodeId, Map<String, Object>>> cached;
    private long cachedAtMs;

    ClusterStats(Node node, TrafficHistory history) {
        this.node = node;
        this.history = history;
        var tls = node.config().api().tls();
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).executor(executor);
        if (tls.enabled()) {
            // The members' certificates chain to the cluster's CA and name their advertised hosts.
            b.sslContext(io.scalesmall.server.api.TlsConfig.httpsTrusting(tls.caFile()));
        }
        this.http = b.build();
        this.scheme = tls.enabled() ? "https" : "http";
    }

    /** This node's own figures: {@code GET /api/stats}. */
    Map<String, Object> local() {
        DataStats stats = node.agent().stats();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("node", node.nodeId().toString());
        o.put("timeMs", System.currentTimeMillis());
        o.put("ready", node.notReadyReason() == null);
        Map<String, Object> disk = new LinkedHashMap<>();
        long dataBytes = 0;
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (var key : node.agent().rangeKeys()) {
            RangeLog log = node.agent().openLog(key.stream(), key.rangeId());
            if (log != null) {
                dataBytes += log.sizeBytes();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("stream", key.stream());
                r.put("rangeId", key.rangeId());
                r.put("sizeBytes", log.sizeBytes());
                r.put("batches", log.batchCount());
                ranges.add(r);
            }
        }
        disk.put("dataBytes", dataBytes);
        try {
            FileStore store = Files.getFileStore(node.config().dataDir());
            disk.put("totalBytes", store.getTotalSpace());
            disk.put("usableBytes", store.getUsableSpace());
        } catch (java.io.IOException e) {
            disk.put("error", e.getMessage());
        }
        o.put("disk", disk);
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("tailBytes", stats.memoryTailBytes());
        memory.put("tailBudgetBytes", stats.memoryTailBudgetBytes());
        memory.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        memory.put("heapMaxBytes", rt.maxMemory());
        o.put("memory", memory);
        o.put("inFlightPublishes", stats.inFlightPublishes());
        o.put("inFlightPublishBytes", stats.inFlightBytes());
        o.put("repairBacklogBatches", stats.repairBacklogBatches());
        Map<String, Object> streams = new TreeMap<>();
        stats.forEachStream((name, t) -> streams.put(name, totals(t)));
        o.put("streams", streams);
        o.put("traffic", history.toJson());
        o.put("ranges", ranges);
        return o;
    }

    private static Map<String, Object> totals(DataStats.StreamTraffic t) {
        return counts(
                new long[] {t.publishedMessages(), t.publishedBytes(), t.consumedMessages(), t.consumedBytes()},
                new LinkedHashMap<>());
    }

    /** Puts the four counts of {@link TrafficHistory#FIELDS} order into {@code o}. */
    private static Map<String, Object> counts(long[] values, Map<String, Object> o) {
        for (int k = 0; k < TrafficHistory.FIELDS.length; k++) {
            o.put(TrafficHistory.FIELDS[k], values[k]);
        }
        return o;
    }

    /** The header with which one node asks another for its figures, signed under the cluster key. */
    static final String NODE_SIGNATURE_HEADER = "X-ScaleSmall-Node-Signature";

    /** How far a signed ask's time may be from the receiver's clock. */
    static final long SIGNATURE_MAX_SKEW_MS = 60_000;

    /**
     * Every live member's figures by id (this node's own at once); a member that could not be
     * asked maps to {@code {"error": why}}. With principals, each ask is signed under the cluster
     * key ({@link #signedByMember}), so members serve it without a user's token: no credential of
     * the dashboard's user travels on to other nodes.
     */
    synchronized CompletableFuture<Map<NodeId, Map<String, Object>>> gather() {
        long now = System.currentTimeMillis();
        if (cached != null && now - cachedAtMs < CACHE_MS) {
            return cached;
        }
        Map<NodeId, CompletableFuture<Map<String, Object>>> asks = new LinkedHashMap<>();
        for (MemberEntry m : node.cluster().members()) {
            if (m.id().equals(node.nodeId())) {
                asks.put(m.id(), CompletableFuture.completedFuture(local()));
            } else if (m.status() == MemberStatus.ALIVE || m.status() == MemberStatus.SUSPECT) {
                asks.put(m.id(), ask(m.id(), m.metadata().adminEndpoint()));
            }
        }
        cached = CompletableFuture.allOf(asks.values().toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    Map<NodeId, Map<String, Object>> out = new LinkedHashMap<>();
                    asks.forEach((id, f) -> out.put(id, f.join()));
                    return out;
                });
        cachedAtMs = now;
        return cached;
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<Map<String, Object>> ask(NodeId member, Endpoint admin) {
        if (admin == null) {
            return CompletableFuture.completedFuture(Map.of("error", "no admin endpoint (--http-port not set)"));
        }
        String host = admin.host().indexOf(':') >= 0 ? "[" + admin.host() + "]" : admin.host();
        HttpRequest request;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            URI.create(scheme + "://" + host + ":" + admin.port() + "/api/stats"))
                    .timeout(TIMEOUT)
                    .GET();
            if (node.principals() != null) {
                // Only a node that guards its own API signs: one without principals would show a
                // member's figures, which that member's principals guard, to anyone.
                long nowMs = System.currentTimeMillis();
                b.header(
                        NODE_SIGNATURE_HEADER,
                        nowMs + ":" + java.util.HexFormat.of().formatHex(node.signForPeers(signed(member, nowMs))));
            }
            request = b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.completedFuture(Map.of("error", "cannot ask: " + e.getMessage()));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        String why = response.statusCode() == 401 || response.statusCode() == 403
                                ? " (it did not take this node's signature: another cluster key?)"
                                : "";
                        return Map.<String, Object>of(
                                "error", "admin endpoint answered " + response.statusCode() + why);
                    }
                    try {
                        return (Map<String, Object>) JSON.readValue(response.body(), Map.class);
                    } catch (java.io.IOException e) {
                        return Map.<String, Object>of("error", "unreadable answer: " + e.getMessage());
                    }
                })
                .exceptionally(e -> Map.of("error", "unreachable: " + rootMessage(e)));
    }

    /** The bytes a signed ask for {@code member}'s figures at {@code timeMs} signs. */
    static byte[] signed(NodeId member, long timeMs) {
        return ("scalesmall GET /api/stats for " + member + " at " + timeMs).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Whether {@code header} (a {@link #NODE_SIGNATURE_HEADER} value) proves that a member of the
     * cluster asks this node for its figures now: signed under an accepted cluster key, for this
     * node (so an ask recorded on its way to another node proves nothing here), within {@link
     * #SIGNATURE_MAX_SKEW_MS} of this node's clock.
     */
    boolean signedByMember(String header) {
        if (header == null) {
            return false;
        }
        int colon = header.indexOf(':');
        try {
            long timeMs = Long.parseLong(header.substring(0, Math.max(colon, 0)));
            byte[] mac = java.util.HexFormat.of().parseHex(header.substring(colon + 1));
            return Math.abs(System.currentTimeMillis() - timeMs) <= SIGNATURE_MAX_SKEW_MS
                    && node.signedByPeer(signed(node.nodeId(), timeMs), mac);
        } catch (IllegalArgumentException e) { // includes NumberFormatException
            return false;
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * The dashboard's document: members with their figures, the cluster's traffic (the members'
     * per-second series added up by second), and the streams with cluster-wide sizes, rates and
     * under-replicated batches.
     */
    Map<String, Object> overview(Map<NodeId, Map<String, Object>> figures) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("node", node.nodeId().toString());
        o.put("timeMs", System.currentTimeMillis());
        List<Map<String, Object>> members = new ArrayList<>();
        for (MemberEntry m : node.cluster().members()) {
            Map<String, Object> member = AdminJson.member(m);
            Map<String, Object> f = figures.get(m.id());
            if (f != null) {
                Map<String, Object> brief = new LinkedHashMap<>(f);
                brief.remove("ranges");
                brief.remove("traffic");
                brief.remove("streams");
                member.put("stats", brief);
            }
            members.add(member);
        }
        o.put("members", members);
        o.put("traffic", sumTraffic(figures));
        o.put("streams", streams(null, figures));
        return o;
    }

    /**
     * Streams as {@link AdminJson#streams} describes them, each range with its cluster-wide size
     * (largest copy), batches and under-replicated batches, each stream with its totals and its
     * messages published and consumed through every member so far.
     */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> streams(String name, Map<NodeId, Map<String, Object>> figures) {
        Map<String, Map<String, Object>> copies = new HashMap<>(); // "node stream/range" -> range
        Map<String, long[]> traffic = new HashMap<>();
        Map<String, String> status = new HashMap<>();
        long liveMembers = 0;
        for (MemberEntry m : node.cluster().members()) {
            status.put(m.id().toString(), m.status().name());
            liveMembers += RangeCopies.isLive(m.status().name()) ? 1 : 0;
        }
        for (Map.Entry<NodeId, Map<String, Object>> e : figures.entrySet()) {
            Object ranges = e.getValue().get("ranges");
            if (ranges instanceof List<?> list) {
                for (Object r : list) {
                    Map<String, Object> range = (Map<String, Object>) r;
                    copies.put(e.getKey() + " " + range.get("stream") + "/" + range.get("rangeId"), range);
                }
            }
            if (e.getValue().get("streams") instanceof Map<?, ?> perStream) {
                perStream.forEach((stream, totals) -> {
                    long[] sum = traffic.computeIfAbsent((String) stream, s -> new long[4]);
                    Map<String, Object> t = (Map<String, Object>) totals;
                    for (int k = 0; k < TrafficHistory.FIELDS.length; k++) {
                        sum[k] += number(t.get(TrafficHistory.FIELDS[k]));
                    }
                });
            }
        }
        List<Map<String, Object>> streams = AdminJson.streams(node, name);
        for (Map<String, Object> s : streams) {
            int rf = ((Number) s.get("replicationFactor")).intValue();
            long size = 0;
            long batches = 0;
            long under = 0;
            for (Map<String, Object> range : (List<Map<String, Object>>) s.get("ranges")) {
                RangeCopies counted = new RangeCopies(rf, liveMembers);
                for (Map<String, Object> replica : (List<Map<String, Object>>) range.get("replicas")) {
                    if (!Boolean.TRUE.equals(replica.get("replica"))) {
                        continue; // a restored copy is not one the range was made with
                    }
                    String id = (String) replica.get("id");
                    Map<String, Object> copy = copies.get(id + " " + s.get("name") + "/" + range.get("rangeId"));
                    long copyBatches = copy == null ? 0 : number(copy.get("batches"));
                    long copyBytes = copy == null ? 0 : number(copy.get("sizeBytes"));
                    replica.put("batches", copyBatches);
                    replica.put("sizeBytes", copyBytes);
                    counted.add(status.get(id), copyBatches, copyBytes);
                }
                range.put("sizeBytes", counted.sizeBytes());
                range.put("batches", counted.batches());
                range.put("underReplicatedBatches", counted.underReplicatedBatches());
                size += counted.sizeBytes();
                batches += counted.batches();
                under += counted.underReplicatedBatches();
            }
            s.put("sizeBytes", size);
            s.put("batches", batches);
            s.put("underReplicatedBatches", under);
            counts(traffic.getOrDefault((String) s.get("name"), new long[4]), s);
        }
        return streams;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sumTraffic(Map<NodeId, Map<String, Object>> figures) {
        String[] names = TrafficHistory.FIELDS;
        TreeMap<Long, long[]> bySecond = new TreeMap<>();
        for (Map<String, Object> f : figures.values()) {
            if (!(f.get("traffic") instanceof Map<?, ?> traffic) || !(traffic.get("t") instanceof List<?> t)) {
                continue;
            }
            for (int i = 0; i < t.size(); i++) {
                long[] sum = bySecond.computeIfAbsent(number(t.get(i)), s -> new long[4]);
                for (int k = 0; k < 4; k++) {
                    if (traffic.get(names[k]) instanceof List<?> series && i < series.size()) {
                        sum[k] += number(series.get(i));
                    }
                }
            }
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("t", new ArrayList<>(bySecond.keySet()));
        for (int k = 0; k < 4; k++) {
            List<Long> series = new ArrayList<>(bySecond.size());
            for (long[] sum : bySecond.values()) {
                series.add(sum[k]);
            }
            o.put(names[k], series);
        }
        return o;
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
