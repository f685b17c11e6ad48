package io.scalesmall.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.server.Node;
import io.scalesmall.server.cluster.ClusterCounters;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.net.ClusterAgent;
import io.scalesmall.server.replication.DataStats;
import io.scalesmall.server.replication.RangeKey;
import io.scalesmall.server.storage.RangeLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP endpoint: {@code GET /health} (JSON) and {@code GET /metrics} (Prometheus text
 * format). A small single-threaded Netty server, apart from the client listener's event loops.
 *
 * <p>Thread-safe after {@link #start}.
 */
public final class AdminServer implements AutoCloseable {
    private final String host;
    private final int port;
    private final Node node;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final TrafficHistory history = new TrafficHistory();
    private final ClusterStats clusterStats;
    private EventLoopGroup group;
    private Channel channel;

    public AdminServer(String host, int port, Node node) {
        this.host = host;
        this.port = port;
        this.node = node;
        this.clusterStats = new ClusterStats(node, history);
        GaugeWithCallback.builder()
                .name("scalesmall_range_bytes")
                .help("Bytes stored in a range's log on this node")
                .labelNames("stream", "range")
                .callback(cb -> forEachRange((key, log) -> cb.call(log.sizeBytes(), key.stream(), id(key))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_range_batches")
                .help("Batches stored in a range's log on this node")
                .labelNames("stream", "range")
                .callback(cb -> forEachRange((key, log) -> cb.call(log.batchCount(), key.stream(), id(key))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_range_unsynced_batches")
                .help("Batches appended to a range's log but not yet fsynced")
                .labelNames("stream", "range")
                .callback(cb -> forEachRange(
                        (key, log) -> cb.call(log.nextIndex() - 1 - log.durableIndex(), key.stream(), id(key))))
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_range_appended_bytes")
                .help("Bytes appended to a range's log on this node since it started (published here or"
                        + " replicated from another coordinator); its rate is the range's write rate")
                .labelNames("stream", "range")
                .callback(cb -> forEachRange((key, log) -> cb.call(log.appendedBytes(), key.stream(), id(key))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_ranges")
                .help("Ranges this node holds: current (taking writes) or sealed")
                .labelNames("state")
                .callback(cb -> {
                    long sealed = 0;
                    long all = 0;
                    for (var r : node.agent().catalog().ranges()) {
                        all++;
                        sealed += r.sealed() ? 1 : 0;
                    }
                    cb.call(all - sealed, "current");
                    cb.call(sealed, "sealed");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_volume_bytes")
                .help("The data directory's file system: total and usable (free for this process) bytes")
                .labelNames("kind")
                .callback(cb -> {
                    try {
                        java.nio.file.FileStore store =
                                java.nio.file.Files.getFileStore(node.config().dataDir());
                        cb.call(store.getTotalSpace(), "total");
                        cb.call(store.getUsableSpace(), "usable");
                    } catch (IOException e) {
                        // the volume cannot be read now: no sample
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_ready")
                .help("1 when the node is ready for traffic (as GET /health/ready), else 0")
                .callback(cb -> cb.call(node.notReadyReason() == null ? 1 : 0))
                .register(registry);
        registerClusterMetrics();
        registerTrafficMetrics();
    }

    private void registerTrafficMetrics() {
        DataStats stats = node.agent().stats();
        stats.register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_stream_messages")
                .help("Messages of a stream published through this node (it coordinated them) or consumed from it"
                        + " (sent to readers)")
                .labelNames("stream", "direction")
                .callback(cb -> stats.forEachStream((stream, t) -> {
                    cb.call(t.publishedMessages(), stream, "published");
                    cb.call(t.consumedMessages(), stream, "consumed");
                }))
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_stream_bytes")
                .help("Bytes of a stream published through this node (publish frames as received) or consumed"
                        + " from it (stored batches as sent)")
                .labelNames("stream", "direction")
                .callback(cb -> stats.forEachStream((stream, t) -> {
                    cb.call(t.publishedBytes(), stream, "published");
                    cb.call(t.consumedBytes(), stream, "consumed");
                }))
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_refused_requests")
                .help("Client requests answered with an error, by error code (codes never seen are left out)")
                .labelNames("code")
                .callback(cb -> {
                    for (ErrorCode code : ErrorCode.values()) {
                        long n = stats.refusedCount(code);
                        if (n > 0) {
                            cb.call(n, code.name());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_connections")
                .help("Open connections on the client port: clients', and other nodes' data connections")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(stats.clientConnections(), "client");
                    cb.call(stats.peerConnections(), "peer");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_refused_connections")
                .help("Connections closed before serving: over max.connections (limit), over"
                        + " max.connections.per.principal (principal_limit), or no HELLO within hello.timeout.ms"
                        + " (hello_timeout)")
                .labelNames("reason")
                .callback(cb -> {
                    cb.call(stats.connectionsOverLimit(), "limit");
                    cb.call(stats.connectionsOverPrincipalLimit(), "principal_limit");
                    cb.call(stats.helloTimeouts(), "hello_timeout");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_inflight_publishes")
                .help("Publishes received and not yet answered")
                .callback(cb -> cb.call(stats.inFlightPublishes()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_inflight_publish_bytes")
                .help("Bytes of publishes received and not yet answered")
                .callback(cb -> cb.call(stats.inFlightBytes()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_memory_tail_bytes")
                .help("Recent batches kept in memory for tail readers: used, and the budget (memory.tail.bytes)")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(stats.memoryTailBytes(), "used");
                    cb.call(stats.memoryTailBudgetBytes(), "budget");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_repair_backlog_batches")
                .help("Batches other replicas reported holding that this node's copies lack yet: what repair has"
                        + " left to pull here")
                .callback(cb -> cb.call(stats.repairBacklogBatches()))
                .register(registry);
    }

    private void registerClusterMetrics() {
        GaugeWithCallback.builder()
                .name("scalesmall_cluster_members")
                .help("Members in this node's view, by status")
                .labelNames("status")
                .callback(cb -> {
                    ClusterAgent cluster = node.cluster();
                    long[] counts = new long[MemberStatus.values().length];
                    if (cluster != null) {
                        cluster.members().forEach(m -> counts[m.status().ordinal()]++);
                    }
                    for (MemberStatus status : MemberStatus.values()) {
                        cb.call(counts[status.ordinal()], status.name());
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("scalesmall_cluster_local_health")
                .help("Lifeguard local health score: 0 is healthy; timeouts stretch by 1 + score")
                .callback(cb ->
                        cb.call(node.cluster() == null ? 0 : node.cluster().localHealth()))
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_cluster_messages")
                .help("Cluster messages by direction; rejected = failed the MAC or malformed, dropped")
                .labelNames("direction")
                .callback(cb -> {
                    ClusterAgent cluster = node.cluster();
                    if (cluster != null) {
                        cb.call(cluster.messagesIn(), "in");
                        cb.call(cluster.messagesOut(), "out");
                        cb.call(cluster.rejectedMessages(), "rejected");
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_cluster_bytes")
                .help("Cluster message bytes by direction")
                .labelNames("direction")
                .callback(cb -> {
                    ClusterAgent cluster = node.cluster();
                    if (cluster != null) {
                        cb.call(cluster.bytesIn(), "in");
                        cb.call(cluster.bytesOut(), "out");
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("scalesmall_cluster_events")
                .help("Cluster-plane events of this node: suspicions it raised, deaths it declared,"
                        + " refutations of its own suspicion, failed probes, multicast first hops sent and received")
                .labelNames("event")
                .callback(cb -> {
                    ClusterAgent cluster = node.cluster();
                    if (cluster != null) {
                        ClusterCounters c = cluster.counters();
                        cb.call(c.suspicionsRaised(), "suspicion");
                        cb.call(c.deathsDeclared(), "death");
                        cb.call(c.refutations(), "refutation");
                        cb.call(c.probesFailed(), "probe_failed");
                        cb.call(c.multicastsSent(), "multicast_sent");
                        cb.call(c.multicastsReceived(), "multicast_received");
                    }
                })
                .register(registry);
    }

    private static String id(RangeKey key) {
        return Integer.toString(key.rangeId());
    }

    private interface RangeConsumer {
        void accept(RangeKey key, RangeLog log);
    }

    private void forEachRange(RangeConsumer consumer) {
        for (RangeKey key : node.agent().rangeKeys()) {
            RangeLog log = node.agent().openLog(key.stream(), key.rangeId());
            if (log != null) {
                consumer.accept(key, log);
            }
        }
    }

    /**
     * Binds the endpoint. With the node's TLS settings it serves HTTPS with the node's certificate,
     * beside plain HTTP (told apart by the first bytes), or alone when {@code tls.required}.
     */
    public void start() throws InterruptedException {
        var tls = node.config().api().tls();
        io.netty.handler.ssl.SslContext https = tls.enabled() ? tls.httpContext() : null;
        group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("scalesmall-admin", true), NioIoHandler.newFactory());
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (https != null) {
                            ch.pipeline()
                                    .addLast(
                                            tls.required()
                                                    ? https.newHandler(ch.alloc())
                                                    : new io.netty.handler.ssl.OptionalSslHandler(https));
                        }
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new Handler());
                    }
                })
                .bind(host, port)
                .sync()
                .channel();
        DataStats stats = node.agent().stats();
        group.scheduleAtFixedRate(
                () -> history.sample(
                        System.currentTimeMillis(),
                        stats.publishedMessages(),
                        stats.publishedBytes(),
                        stats.consumedMessages(),
                        stats.consumedBytes()),
                0,
                1,
                TimeUnit.SECONDS);
    }

    /** The bound address. */
    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            ByteBuf body = ctx.alloc().buffer();
            try {
                handle(ctx, request, body);
            } catch (IOException | RuntimeException e) {
                body.release();
                // A query that does not decode is the caller's; anything else is this node's.
                HttpResponseStatus status = e instanceof IllegalArgumentException
                        ? HttpResponseStatus.BAD_REQUEST
                        : HttpResponseStatus.INTERNAL_SERVER_ERROR;
                ByteBuf error = ctx.alloc().buffer();
                try {
                    json(error, Map.of("error", status.reasonPhrase().toLowerCase(java.util.Locale.ROOT) + ": " + e));
                } catch (IOException unexpected) {
                    error.writeCharSequence("{}\n", StandardCharsets.UTF_8);
                }
                send(ctx, status, "application/json", null, error);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void handle(ChannelHandlerContext ctx, FullHttpRequest request, ByteBuf body) throws IOException {
            String path = request.uri().split("\\?", 2)[0];
            HttpResponseStatus status = HttpResponseStatus.OK;
            String type;
            String allow = null;
            boolean readOnly = !path.startsWith("/admin/");
            if (readOnly
                    && !request.method().equals(HttpMethod.GET)
                    && !request.method().equals(HttpMethod.HEAD)) {
                json(body, Map.of("error", "use GET"));
                send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "application/json", "GET", body);
                return;
            }
            if (WebAssets.serves(path)) {
                WebAssets.write(path, body);
                send(ctx, status, WebAssets.contentType(path), null, body);
                return;
            }
            String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            boolean memberAsks = path.equals("/api/stats")
                    && clusterStats.signedByMember(request.headers().get(ClusterStats.NODE_SIGNATURE_HEADER));
            if (node.principals() != null
                    && !path.startsWith("/health")
                    && !memberAsks
                    && refused(ctx, path, authorization, body)) {
                return;
            }
            boolean needsCluster =
                    (path.startsWith("/api/") && !path.startsWith("/api/stats")) || path.equals("/admin/leave");
            if (needsCluster && node.cluster() == null) {
                json(body, Map.of("error", "the node is starting"));
                send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json", null, body);
                return;
            }
            if (path.equals("/api/overview") || path.equals("/api/streams") || path.startsWith("/api/streams/")) {
                String name = path.startsWith("/api/streams/") ? path.substring("/api/streams/".length()) : null;
                boolean overview = path.equals("/api/overview");
                clusterStats.gather().whenComplete((figures, error) -> {
                    HttpResponseStatus answer = HttpResponseStatus.OK;
                    try {
                        if (error != null) {
                            throw new IOException("gathering the members' figures failed", error);
                        }
                        Object document;
                        if (overview) {
                            document = clusterStats.overview(figures);
                        } else {
                            List<Map<String, Object>> streams = clusterStats.streams(name, figures);
                            if (name == null) {
                                document = Map.of("node", node.nodeId().toString(), "streams", streams);
                            } else if (streams.isEmpty()) {
                                answer = HttpResponseStatus.NOT_FOUND;
                                document = Map.of("error", "not found: " + path);
                            } else {
                                document = streams.get(0);
                            }
                        }
                        json(body, document);
                    } catch (IOException | RuntimeException e) {
                        body.clear();
                        answer = HttpResponseStatus.INTERNAL_SERVER_ERROR;
                        body.writeCharSequence("{\"error\":\"internal server error\"}\n", StandardCharsets.UTF_8);
                    }
                    send(ctx, answer, "application/json", null, body);
                });
                return;
            }
            switch (path) {
                case "/api/stats" -> {
                    type = "application/json";
                    json(body, clusterStats.local());
                }
                case "/health" -> {
                    type = "application/json";
                    body.writeCharSequence(
                            "{\"status\":\"ok\",\"node\":\"" + node.nodeId() + "\",\"address\":\""
                                    + node.address().getHostString() + ":"
                                    + node.address().getPort() + "\",\"draining\":" + node.draining()
                                    + ",\"drain\":\"" + node.drainState() + "\"}\n",
                            StandardCharsets.UTF_8);
                }
                case "/health/live" -> {
                    type = "application/json";
                    json(body, Map.of("live", true, "node", node.nodeId().toString()));
                }
                case "/health/ready" -> {
                    type = "application/json";
                    String reason = node.notReadyReason();
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("ready", reason == null);
                    o.put("node", node.nodeId().toString());
                    if (reason != null) {
                        status = HttpResponseStatus.SERVICE_UNAVAILABLE;
                        o.put("reason", reason);
                    }
                    json(body, o);
                }
                case "/api/cluster" -> {
                    type = "application/json";
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("node", node.nodeId().toString());
                    List<Map<String, Object>> members = new ArrayList<>();
                    for (MemberEntry m : node.cluster().members()) {
                        members.add(AdminJson.member(m));
                    }
                    o.put("members", members);
                    json(body, o);
                }
                case "/metrics" -> {
                    type = "text/plain; version=0.0.4; charset=utf-8";
                    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                        PrometheusTextFormatWriter.create().write(out, registry.scrape());
                    }
                }
                case "/admin/log-level" -> {
                    type = "application/json";
                    QueryStringDecoder query = new QueryStringDecoder(request.uri());
                    if (request.method().equals(HttpMethod.GET)) {
                        json(body, LogLevels.describe());
                    } else if (request.method().equals(HttpMethod.PUT)
                            || request.method().equals(HttpMethod.POST)) {
                        String logger = first(query, "logger", "io.scalesmall");
                        String level = first(query, "level", null);
                        try {
                            json(body, LogLevels.set(logger, level));
                        } catch (IllegalArgumentException e) {
                            status = HttpResponseStatus.BAD_REQUEST;
                            json(body, Map.of("error", e.getMessage()));
                        }
                    } else {
                        status = HttpResponseStatus.METHOD_NOT_ALLOWED;
                        allow = "GET, PUT, POST";
                        json(body, Map.of("error", "use GET to read the levels, PUT to set one"));
                    }
                }
                case "/admin/leave" -> {
                    type = "application/json";
                    if (!request.method().equals(HttpMethod.POST)) {
                        status = HttpResponseStatus.METHOD_NOT_ALLOWED;
                        allow = "POST";
                        body.writeCharSequence("{\"error\":\"use POST\"}\n", StandardCharsets.UTF_8);
                    } else {
                        long timeoutMs = leaveTimeoutMs(request.uri());
                        if (timeoutMs <= 0 || timeoutMs > MAX_LEAVE_TIMEOUT_MS) {
                            status = HttpResponseStatus.BAD_REQUEST;
                            body.writeCharSequence(
                                    "{\"error\":\"timeout_ms must be a number of milliseconds from 1 to "
                                            + MAX_LEAVE_TIMEOUT_MS + "\"}\n",
                                    StandardCharsets.UTF_8);
                        } else {
                            node.drain(timeoutMs);
                            status = HttpResponseStatus.ACCEPTED;
                            body.writeCharSequence(
                                    "{\"draining\":true,\"timeout_ms\":" + timeoutMs + "}\n", StandardCharsets.UTF_8);
                        }
                    }
                }
                default -> {
                    type = "application/json";
                    Object found = null;
                    if (path.startsWith("/api/nodes/")) {
                        found = AdminJson.node(node, path.substring("/api/nodes/".length()));
                    }
                    if (found == null) {
                        status = HttpResponseStatus.NOT_FOUND;
                        found = Map.of("error", "not found: " + path);
                    }
                    json(body, found);
                }
            }
            send(ctx, status, type, allow, body);
        }
    }

    /**
     * With principals, whether this request was refused (and answered): {@code /admin/} paths need
     * an admin principal's bearer token, the read-only API and {@code /metrics} a monitor's or an
     * admin's. Health probes and the dashboard's page need none (the page asks for a token when its
     * data is refused).
     */
    private boolean refused(ChannelHandlerContext ctx, String path, String authorization, ByteBuf body)
            throws IOException {
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : null;
        var who = node.principals().authenticate(token);
        boolean changes = path.startsWith("/admin/");
        if (who != null && (changes ? who.admin() : who.mayMonitor())) {
            return false;
        }
        String role = changes ? "an admin principal" : "a monitor or admin principal";
        json(
                body,
                Map.of(
                        "error",
                        who == null
                                ? "this endpoint needs 'Authorization: Bearer <token>' of " + role
                                : "principal " + who.name() + " is not " + role));
        FullHttpResponse response = response(
                who == null ? HttpResponseStatus.UNAUTHORIZED : HttpResponseStatus.FORBIDDEN,
                "application/json",
                null,
                body);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        return true;
    }

    private static void send(
            ChannelHandlerContext ctx, HttpResponseStatus status, String type, String allow, ByteBuf body) {
        ctx.writeAndFlush(response(status, type, allow, body)).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A complete response that says the connection closes after it, so that no client sends its
     * next request on a connection the server is closing (the JDK's client does not retry a PUT
     * or POST that meets a closed connection).
     */
    private static FullHttpResponse response(HttpResponseStatus status, String type, String allow, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
        return response;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void json(ByteBuf body, Object value) throws IOException {
        body.writeCharSequence(JSON.writeValueAsString(value) + "\n", StandardCharsets.UTF_8);
    }

    private static String first(QueryStringDecoder query, String name, String fallback) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    /** The {@code timeout_ms} query parameter (default 10 minutes); -1 when it is not a number. */
    static long leaveTimeoutMs(String uri) {
        java.util.List<String> values = new io.netty.handler.codec.http.QueryStringDecoder(uri)
                .parameters()
                .get("timeout_ms");
        if (values == null || values.isEmpty()) {
            return DEFAULT_LEAVE_TIMEOUT_MS;
        }
        try {
            return Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** How long a node hands its data off before it leaves anyway, unless asked otherwise. */
    public static final long DEFAULT_LEAVE_TIMEOUT_MS = 600_000;

    /** The longest hand-off that may be asked for: a week. */
    public static final long MAX_LEAVE_TIMEOUT_MS = 7L * 24 * 3600 * 1000;

    @Override
    public void close() {
        clusterStats.close();
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
