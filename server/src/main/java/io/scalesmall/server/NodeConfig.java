package io.scalesmall.server;

import io.scalesmall.protocol.Protocol;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.api.ApiConfig;
import io.scalesmall.server.api.TlsConfig;
import io.scalesmall.server.cluster.ClusterConfig;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.net.ClusterNetConfig;
import io.scalesmall.server.placement.SplitConfig;
import io.scalesmall.server.replication.DataAgentConfig;
import io.scalesmall.server.replication.RetentionConfig;
import io.scalesmall.server.storage.StorageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Everything a node needs to start. Built from defaults, an optional properties file
 * ({@code --config}) and command-line flags, in that order of precedence (flags win).
 *
 * <p>Properties keys (all optional):
 *
 * <pre>
 * host, port, advertised.host, http.port, io.threads
 * max.frame.bytes, max.message.bytes, max.inflight.bytes.per.connection
 * write.buffer.low.bytes, write.buffer.high.bytes
 * segment.bytes, index.interval.bytes, memory.tail.bytes, background.sync.ms
 * retention.high.watermark        90% | bytes like 500GB
 * retention.check.interval.ms, producer.expiry.ms
 * replication.timeout.ms, repair.interval.ms, repair.rate.bytes, replication.restore.delay.ms
 * split.bytes, split.rate.bytes, split.window.ms, split.check.interval.ms, split.max.ranges
 * cluster.host, cluster.port, cluster.advertised.host, cluster.join (HOST:PORT,...),
 * cluster.key.file, zone, cluster.probe.interval.ms, cluster.probe.timeout.ms,
 * cluster.indirect.probes, cluster.sync.interval.ms, cluster.suspicion.alpha,
 * cluster.suspicion.beta, cluster.broadcast.ack.timeout.ms, cluster.tombstone.ttl.ms,
 * cluster.max.datagram.bytes, cluster.key.reload.ms, cluster.multicast.group (GROUP:PORT),
 * cluster.multicast.interface
 * </pre>
 *
 * @param dataDir the node's data directory
 * @param api client listener settings
 * @param httpHost admin HTTP bind address
 * @param httpPort admin HTTP port, -1 for none
 * @param agent data agent and storage settings
 * @param cluster cluster plane settings
 * @param split when ranges split
 */
public record NodeConfig(
        Path dataDir,
        ApiConfig api,
        String httpHost,
        int httpPort,
        DataAgentConfig agent,
        ClusterNetConfig cluster,
        SplitConfig split) {
    static final Set<String> KEYS = Set.of(
            "host",
            "port",
            "advertised.host",
            "http.port",
            "io.threads",
            "max.frame.bytes",
            "max.message.bytes",
            "max.inflight.bytes.per.connection",
            "max.subscriptions.per.connection",
            "max.connections",
            "hello.timeout.ms",
            "auth.file",
            "auth.reload.ms",
            "max.connections.per.principal",
            "tls.cert.file",
            "tls.key.file",
            "tls.ca.file",
            "tls.required",
            "tls.client.auth",
            "write.buffer.low.bytes",
            "write.buffer.high.bytes",
            "segment.bytes",
            "index.interval.bytes",
            "memory.tail.bytes",
            "background.sync.ms",
            "retention.high.watermark",
            "retention.check.interval.ms",
            "producer.expiry.ms",
            "replication.timeout.ms",
            "repair.interval.ms",
            "repair.rate.bytes",
            "replication.restore.delay.ms",
            "split.bytes",
            "split.rate.bytes",
            "split.window.ms",
            "split.check.interval.ms",
            "split.max.ranges",
            "cluster.host",
            "cluster.port",
            "cluster.advertised.host",
            "cluster.join",
            "cluster.key.file",
            "zone",
            "cluster.probe.interval.ms",
            "cluster.probe.timeout.ms",
            "cluster.indirect.probes",
            "cluster.sync.interval.ms",
            "cluster.suspicion.alpha",
            "cluster.suspicion.beta",
            "cluster.broadcast.ack.timeout.ms",
            "cluster.tombstone.ttl.ms",
            "cluster.max.datagram.bytes",
            "cluster.key.reload.ms",
            "cluster.multicast.group",
            "cluster.multicast.interface");

    /** Settings with the default split settings. */
    public NodeConfig(
            Path dataDir,
            ApiConfig api,
            String httpHost,
            int httpPort,
            DataAgentConfig agent,
            ClusterNetConfig cluster) {
        this(dataDir, api, httpHost, httpPort, agent, cluster, SplitConfig.defaults());
    }

    /** Defaults for a node with data in {@code dataDir} listening on {@code host:port}. */
    public static NodeConfig defaults(Path dataDir, String host, int port) {
        return new NodeConfig(
                dataDir,
                ApiConfig.defaults(host, port),
                host,
                -1,
                DataAgentConfig.defaults(StorageConfig.defaults(), RetentionConfig.defaults()),
                ClusterNetConfig.defaults());
    }

    /** Variables of the launcher and of the command-line clients, not node settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("SCALESMALL_JAVA_OPTS", "SCALESMALL_TOKEN");

    /** The prefix of environment variables that are node settings. */
    public static final String ENV_PREFIX = "SCALESMALL_";

    /**
     * Reads a settings file: YAML when its name ends in {@code .yaml} or {@code .yml} (keys nested
     * or dotted, lists joined with commas), a properties file otherwise.
     *
     * @throws IllegalArgumentException naming an unknown key or a file that is not a map of keys
     */
    public static Properties readProperties(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        Properties p = new Properties();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            com.fasterxml.jackson.databind.JsonNode root;
            try {
                root = new com.fasterxml.jackson.databind.ObjectMapper(
                                com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder()
                                        // `zone: no` is the zone "no", not false
                                        .enable(
                                                com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature
                                                        .PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
                                        .build())
                        .readTree(file.toFile());
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new IllegalArgumentException("cannot read " + file + " as YAML: " + e.getOriginalMessage(), e);
            }
            if (root != null && !root.isMissingNode() && !root.isNull()) {
                if (!root.isObject()) {
                    throw new IllegalArgumentException(file + " must be a map of settings (key: value)");
                }
                flatten("", root, p);
            }
        } else {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' in " + file + "; known: " + KEYS);
            }
        }
        return p;
    }

    private static void flatten(String prefix, com.fasterxml.jackson.databind.JsonNode node, Properties out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix + e.getKey() + ".", e.getValue(), out));
            return;
        }
        String key = prefix.substring(0, prefix.length() - 1);
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode item : node) {
                if (!item.isValueNode() || item.isNull()) {
                    throw new IllegalArgumentException(
                            "setting '" + key + "' must be a list of plain values, like [a:1, b:2]");
                }
                items.add(item.asText());
            }
            out.setProperty(key, String.join(",", items));
        } else if (node.isNull()) {
            throw new IllegalArgumentException("setting '" + key + "' has no value");
        } else {
            out.setProperty(key, node.asText());
        }
    }

    /**
     * Whether a variable is one Kubernetes (or Docker links) sets for a service named
     * "scalesmall", not a setting: {@code SCALESMALL_SERVICE_HOST}, {@code
     * SCALESMALL_SERVICE_PORT...}, {@code SCALESMALL_PORT_7070_TCP...}, and {@code
     * SCALESMALL_PORT=tcp://...}.
     */
    private static boolean serviceLink(String name, String value) {
        String rest = name.substring(ENV_PREFIX.length());
        return rest.startsWith("SERVICE_")
                || rest.matches("PORT_[0-9]+_(TCP|UDP|SCTP).*")
                || (rest.equals("PORT") && value.matches("(?i)(tcp|udp|sctp)://.*"));
    }

    /**
     * The settings given as environment variables: {@code SCALESMALL_SEGMENT_BYTES=64MB} sets
     * {@code segment.bytes} (the key upper-cased, dots as underscores). {@code
     * SCALESMALL_JAVA_OPTS} belongs to the launcher.
     *
     * @throws IllegalArgumentException naming a {@code SCALESMALL_} variable that is no setting
     */
    public static Properties fromEnvironment(java.util.Map<String, String> env) {
        Properties p = new Properties();
        for (java.util.Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX) || NOT_SETTINGS.contains(name) || serviceLink(name, e.getValue())) {
                continue;
            }
            String key = name.substring(ENV_PREFIX.length())
                    .toLowerCase(java.util.Locale.ROOT)
                    .replace('_', '.');
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown setting '" + key + "' in environment variable " + name + "; known: " + KEYS);
            }
            p.setProperty(key, e.getValue());
        }
        return p;
    }

    /** These settings with the values of {@code p} applied. */
    public NodeConfig with(Properties p) {
        ApiConfig a = api;
        a = new ApiConfig(
                p.getProperty("host", a.host()),
                intProp(p, "port", a.port()),
                p.getProperty("advertised.host", p.getProperty("host", a.advertisedHost())),
                intProp(p, "max.frame.bytes", a.maxFrameBytes()),
                intProp(p, "max.message.bytes", a.maxMessageBytes()),
                intProp(p, "max.inflight.bytes.per.connection", a.maxInFlightBytesPerConnection()),
                intProp(p, "write.buffer.low.bytes", a.writeBufferLowBytes()),
                intProp(p, "write.buffer.high.bytes", a.writeBufferHighBytes()),
                intProp(p, "max.subscriptions.per.connection", a.maxSubscriptionsPerConnection()),
                intProp(p, "io.threads", a.ioThreads()),
                intProp(p, "max.connections", a.maxConnections()),
                intProp(p, "hello.timeout.ms", a.helloTimeoutMs()),
                p.getProperty("auth.file") == null ? a.authFile() : Path.of(p.getProperty("auth.file")),
                new TlsConfig(
                        pathProp(p, "tls.cert.file", a.tls().certFile()),
                        pathProp(p, "tls.key.file", a.tls().keyFile()),
                        pathProp(p, "tls.ca.file", a.tls().caFile()),
                        booleanProp(p, "tls.required", a.tls().required()),
                        p.getProperty("tls.client.auth", a.tls().clientAuth())),
                intProp(p, "max.connections.per.principal", a.maxConnectionsPerPrincipal()),
                longProp(p, "auth.reload.ms", a.authReloadMs()));
        if (a.maxMessageBytes() > a.maxFrameBytes() || a.maxFrameBytes() < 1024) {
            throw new IllegalArgumentException("max.frame.bytes must be at least 1024 and at least max.message.bytes");
        }
        DataAgentConfig d = agent;
        StorageConfig storage = d.storage()
                .withSegmentBytes(intProp(p, "segment.bytes", d.storage().segmentBytes()))
                .withIndexIntervalBytes(
                        intProp(p, "index.interval.bytes", d.storage().indexIntervalBytes()));
        long checkMs = longProp(p, "retention.check.interval.ms", d.retention().checkIntervalMs());
        RetentionConfig retention = watermark(
                p,
                checkMs,
                new RetentionConfig(
                        d.retention().highWatermarkPercent(),
                        d.retention().highWatermarkBytes(),
                        checkMs,
                        d.retention().volumeStats()));
        d = new DataAgentConfig(
                storage,
                retention,
                d.defaultStreamOptions(),
                bytesProp(p, "memory.tail.bytes", d.memoryTailBytes()),
                longProp(p, "producer.expiry.ms", d.producerExpiryMs()),
                d.queueCapacity(),
                d.idlePollMs(),
                longProp(p, "background.sync.ms", d.backgroundSyncMs()),
                longProp(p, "replication.timeout.ms", d.replicationTimeoutMs()),
                longProp(p, "repair.interval.ms", d.repairIntervalMs()),
                d.repairPullBytes(),
                bytesProp(p, "repair.rate.bytes", d.repairBytesPerSecond()),
                longProp(p, "replication.restore.delay.ms", d.restoreDelayMs()));
        SplitConfig s = new SplitConfig(
                bytesProp(p, "split.bytes", split.bytes()),
                bytesProp(p, "split.rate.bytes", split.rateBytes()),
                positive("split.window.ms", longProp(p, "split.window.ms", split.windowMs())),
                positive("split.check.interval.ms", longProp(p, "split.check.interval.ms", split.checkIntervalMs())),
                (int) positive("split.max.ranges", intProp(p, "split.max.ranges", split.maxRangesPerStream())));
        return new NodeConfig(
                dataDir, a, p.getProperty("host", httpHost), intProp(p, "http.port", httpPort), d, withCluster(p), s);
    }

    private ClusterNetConfig withCluster(Properties p) {
        ClusterConfig c = cluster.protocol();
        c = new ClusterConfig(
                longProp(p, "cluster.probe.interval.ms", c.probeIntervalMs()),
                longProp(p, "cluster.probe.timeout.ms", c.probeTimeoutMs()),
                intProp(p, "cluster.indirect.probes", c.indirectProbes()),
                doubleProp(p, "cluster.suspicion.alpha", c.suspicionAlpha()),
                doubleProp(p, "cluster.suspicion.beta", c.suspicionBeta()),
                c.suspicionConfirmations(),
                c.maxLocalHealth(),
                longProp(p, "cluster.broadcast.ack.timeout.ms", c.broadcastAckTimeoutMs()),
                c.broadcastRetries(),
                longProp(p, "cluster.sync.interval.ms", c.syncIntervalMs()),
                c.seedSyncEvery(),
                c.joinRetryMs(),
                longProp(p, "cluster.tombstone.ttl.ms", c.tombstoneTtlMs()),
                intProp(p, "cluster.max.datagram.bytes", c.maxDatagramBytes()));
        List<Endpoint> seeds = cluster.seeds();
        if (p.containsKey("cluster.join")) {
            seeds = new ArrayList<>();
            for (String seed : p.getProperty("cluster.join").split(",")) {
                if (!seed.isBlank()) {
                    seeds.add(Endpoint.parse(seed.trim()));
                }
            }
        }
        String keyFile = p.getProperty("cluster.key.file");
        return new ClusterNetConfig(
                p.getProperty("cluster.host", cluster.host()),
                intProp(p, "cluster.port", cluster.port()),
                p.getProperty("cluster.advertised.host", cluster.advertisedHost()),
                seeds,
                keyFile == null ? cluster.keyFile() : Path.of(keyFile),
                p.getProperty("zone", cluster.zone()),
                c,
                longProp(p, "cluster.key.reload.ms", cluster.keyReloadMs()),
                p.containsKey("cluster.multicast.group")
                        ? Endpoint.parse(
                                p.getProperty("cluster.multicast.group").trim())
                        : cluster.multicastGroup(),
                p.getProperty("cluster.multicast.interface", cluster.multicastInterface()));
    }

    /**
     * The value of {@code key} parsed, or {@code fallback} when it is not set.
     *
     * @throws IllegalArgumentException naming the key and saying what was {@code expected}
     */
    private static <T> T prop(
            Properties p, String key, T fallback, java.util.function.Function<String, T> parse, String expected) {
        String v = p.getProperty(key);
        if (v == null) {
            return fallback;
        }
        try {
            return parse.apply(v.trim());
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new IllegalArgumentException("bad value for " + key + ": '" + v + "' is not " + expected, e);
        }
    }

    private static boolean booleanProp(Properties p, String key, boolean fallback) {
        return prop(
                p,
                key,
                fallback,
                v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "yes", "on" -> true;
                    case "false", "no", "off" -> false;
                    default -> throw new IllegalArgumentException(v);
                },
                "true or false");
    }

    private static Path pathProp(Properties p, String key, Path fallback) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? fallback : Path.of(v.trim());
    }

    private static double doubleProp(Properties p, String key, double fallback) {
        return prop(p, key, fallback, Double::parseDouble, "a number");
    }

    private static int intProp(Properties p, String key, int fallback) {
        boolean size = key.endsWith("bytes");
        long parsed = prop(
                p,
                key,
                (long) fallback,
                size ? RetentionConfig::parseBytes : Long::parseLong,
                size ? "a size such as 4MB" : "a whole number");
        if (parsed > Integer.MAX_VALUE || parsed < -1) {
            throw new IllegalArgumentException("bad value for " + key + ": " + parsed + " is out of range");
        }
        return (int) parsed;
    }

    private static long longProp(Properties p, String key, long fallback) {
        return prop(p, key, fallback, Long::parseLong, "a whole number");
    }

    private static long bytesProp(Properties p, String key, long fallback) {
        return prop(p, key, fallback, RetentionConfig::parseBytes, "a positive size such as 64MB");
    }

    private static RetentionConfig watermark(Properties p, long checkMs, RetentionConfig fallback) {
        return prop(
                p,
                "retention.high.watermark",
                fallback,
                v -> RetentionConfig.parseWatermark(v, checkMs),
                "a percentage such as 90% or a size such as 500GB");
    }

    private static long positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("bad value for " + key + ": " + value + " must be positive");
        }
        return value;
    }

    /** Default options of streams created by a publish. */
    public StreamOptions defaultStreamOptions() {
        return agent.defaultStreamOptions();
    }

    /** The default client port. */
    public static int defaultPort() {
        return Protocol.DEFAULT_PORT;
    }
}
