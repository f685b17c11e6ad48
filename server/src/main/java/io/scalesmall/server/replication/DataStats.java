package io.scalesmall.server.replication;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * What the data path counts, for {@code /metrics} and the dashboard: messages and bytes published
 * (coordinated here) and consumed (sent to readers) per stream, publish-to-ack latency per
 * durability policy, fsync latency, refused requests by error code, publishes in flight, the
 * memory tail's use and the repair backlog.
 *
 * <p>Thread-safe: I/O threads, the data agent and the sync thread write it; counters are {@link
 * LongAdder}s and latencies Prometheus histograms, so recording costs no lock and, once a stream or
 * policy was seen, no allocation.
 */
public final class DataStats {
    /** Publish-to-ack bounds, in seconds: from 100 µs (memory=1 on loopback) to 10 s (timeouts). */
    private static final double[] LATENCY_BOUNDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    };

    /** One stream's traffic through this node, as running totals. */
    public static final class StreamTraffic {
        final LongAdder publishedMessages = new LongAdder();
        final LongAdder publishedBytes = new LongAdder();
        final LongAdder consumedMessages = new LongAdder();
        final LongAdder consumedBytes = new LongAdder();

        /** Records a batch of {@code messages} this node stamped as coordinator. */
        public void published(int messages, long bytes) {
            publishedMessages.add(messages);
            publishedBytes.add(bytes);
        }

        /** Records {@code messages} sent to a reader. */
        public void consumed(int messages, long bytes) {
            consumedMessages.add(messages);
            consumedBytes.add(bytes);
        }

        public long publishedMessages() {
            return publishedMessages.sum();
        }

        public long publishedBytes() {
            return publishedBytes.sum();
        }

        public long consumedMessages() {
            return consumedMessages.sum();
        }

        public long consumedBytes() {
            return consumedBytes.sum();
        }
    }

    private final Map<String, StreamTraffic> streams = new ConcurrentHashMap<>();
    private final Histogram ackLatency = Histogram.builder()
            .name("scalesmall_publish_ack_latency_seconds")
            .help("From a publish's arrival at this node to its answer once its durability policy held, by policy")
            .labelNames("policy")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS)
            .build();
    private final Map<DurabilityPolicy, DistributionDataPoint> ackLatencyByPolicy = new ConcurrentHashMap<>();
    private final Histogram fsyncLatency = Histogram.builder()
            .name("scalesmall_fsync_latency_seconds")
            .help("Duration of one fsync of a range's log (group commit: one covers every batch appended meanwhile)")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS)
            .build();
    private final LongAdder[] refused = new LongAdder[ErrorCode.values().length];
    private final java.util.concurrent.atomic.AtomicInteger clientConnections =
            new java.util.concurrent.atomic.AtomicInteger();
    private final LongAdder peerConnections = new LongAdder();
    private final LongAdder connectionsOverLimit = new LongAdder();
    private final LongAdder connectionsOverPrincipalLimit = new LongAdder();
    private final LongAdder helloTimeouts = new LongAdder();
    private final LongAdder inFlightPublishes = new LongAdder();
    private final LongAdder inFlightBytes = new LongAdder();
    private volatile long memoryTailBytes;
    private volatile long memoryTailBudgetBytes;
    private volatile long repairBacklogBatches;

    public DataStats() {
        for (int i = 0; i < refused.length; i++) {
            refused[i] = new LongAdder();
        }
    }

    /** The running totals of {@code stream}, made on first use. */
    public StreamTraffic stream(String stream) {
        StreamTraffic t = streams.get(stream);
        return t != null ? t : streams.computeIfAbsent(stream, s -> new StreamTraffic());
    }

    /** Calls {@code action} with every stream seen so far and its totals. */
    public void forEachStream(BiConsumer<String, StreamTraffic> action) {
        streams.forEach(action);
    }

    /** Messages published through this node, all streams. */
    public long publishedMessages() {
        return sum(StreamTraffic::publishedMessages);
    }

    /** Messages sent to readers by this node, all streams. */
    public long consumedMessages() {
        return sum(StreamTraffic::consumedMessages);
    }

    /** Bytes published through this node, all streams. */
    public long publishedBytes() {
        return sum(StreamTraffic::publishedBytes);
    }

    /** Bytes sent to readers by this node, all streams. */
    public long consumedBytes() {
        return sum(StreamTraffic::consumedBytes);
    }

    private long sum(java.util.function.ToLongFunction<StreamTraffic> total) {
        long sum = 0;
        for (StreamTraffic t : streams.values()) {
            sum += total.applyAsLong(t);
        }
        return sum;
    }

    /** Records a publish answered {@code nanos} after it arrived, under {@code policy}. */
    public void acked(DurabilityPolicy policy, long nanos) {
        DistributionDataPoint point = ackLatencyByPolicy.get(policy);
        if (point == null) {
            point = ackLatencyByPolicy.computeIfAbsent(policy, p -> ackLatency.labelValues(p.toString()));
        }
        point.observe(nanos / 1e9);
    }

    /** Records one fsync that took {@code nanos}. */
    public void synced(long nanos) {
        fsyncLatency.observe(nanos / 1e9);
    }

    /** Records a request refused with {@code code}. */
    public void refused(ErrorCode code) {
        refused[code.ordinal()].increment();
    }

    /** Requests refused with {@code code} so far. */
    public long refusedCount(ErrorCode code) {
        return refused[code.ordinal()].sum();
    }

    /** A client connection opened; returns how many are open now, this one included. */
    public int clientConnected() {
        return clientConnections.incrementAndGet();
    }

    /** A client connection closed, or turned out to be another node's. */
    public void clientDisconnected() {
        clientConnections.decrementAndGet();
    }

    /** Another node's data connection was accepted ({@code +1}) or closed ({@code -1}). */
    public void peerConnection(int delta) {
        peerConnections.add(delta);
    }

    /** A connection was refused because the node had {@code max.connections} already. */
    public void connectionOverLimit() {
        connectionsOverLimit.increment();
    }

    /** A connection was refused because its principal had {@code max.connections.per.principal} already. */
    public void connectionOverPrincipalLimit() {
        connectionsOverPrincipalLimit.increment();
    }

    public long connectionsOverPrincipalLimit() {
        return connectionsOverPrincipalLimit.sum();
    }

    /** A connection was closed because it did not say HELLO within {@code hello.timeout.ms}. */
    public void helloTimedOut() {
        helloTimeouts.increment();
    }

    public int clientConnections() {
        return clientConnections.get();
    }

    public long peerConnections() {
        return peerConnections.sum();
    }

    public long connectionsOverLimit() {
        return connectionsOverLimit.sum();
    }

    public long helloTimeouts() {
        return helloTimeouts.sum();
    }

    /** A publish of {@code bytes} arrived and waits for its answer. */
    public void publishArrived(long bytes) {
        inFlightPublishes.increment();
        inFlightBytes.add(bytes);
    }

    /** A publish of {@code bytes} was answered, or refused before it reached the data agent. */
    public void publishAnswered(long bytes) {
        inFlightPublishes.decrement();
        inFlightBytes.add(-bytes);
    }

    public long inFlightPublishes() {
        return inFlightPublishes.sum();
    }

    public long inFlightBytes() {
        return inFlightBytes.sum();
    }

    void memoryTail(long usedBytes, long budgetBytes) {
        memoryTailBytes = usedBytes;
        memoryTailBudgetBytes = budgetBytes;
    }

    /** Bytes of recent batches kept in memory for tail readers. */
    public long memoryTailBytes() {
        return memoryTailBytes;
    }

    /** The most {@link #memoryTailBytes} may reach ({@code memory.tail.bytes}). */
    public long memoryTailBudgetBytes() {
        return memoryTailBudgetBytes;
    }

    void repairBacklog(long batches) {
        repairBacklogBatches = batches;
    }

    /**
     * Batches other replicas reported holding that this node's copies of the same ranges lack yet,
     * as last measured: what repair has left to pull here.
     */
    public long repairBacklogBatches() {
        return repairBacklogBatches;
    }

    /** Registers the latency histograms with {@code registry}. */
    public void register(PrometheusRegistry registry) {
        registry.register(ackLatency);
        registry.register(fsyncLatency);
    }
}
