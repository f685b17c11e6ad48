package io.scalesmall.client;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The client's publishing connections: one {@link Sender} per node that coordinates some of its
 * ranges, plus the bootstrap sender (the configured servers, in turn) for control requests. A
 * range's batches go to its first replica; when that node's connection is lost, the range moves to
 * its next replica, which stores a retried batch once (the producer's sequence says what it has).
 *
 * <p>All senders share one event loop, so a range moves between them without locks. Thread-safe.
 */
final class Senders {
    private static final System.Logger LOG = System.getLogger(Senders.class.getName());

    private final ClientConfig config;
    private final Transport transport;
    private final InFlightLimiter limiter;
    private final Sender bootstrap;
    private final Map<InetSocketAddress, Sender> byAddress = new ConcurrentHashMap<>();
    private volatile Consumer<String> metadataNeeded = stream -> {};
    private volatile Consumer<io.scalesmall.protocol.MetadataResponse> placement = p -> {};

    Senders(ClientConfig config, Transport transport, InFlightLimiter limiter, Sender bootstrap) {
        this.config = config;
        this.transport = transport;
        this.limiter = limiter;
        this.bootstrap = bootstrap;
        bootstrap.onConnectionLost(this::connectionLost);
    }

    /** Where a sender asks for fresh metadata of a stream. */
    void onMetadataNeeded(Consumer<String> callback) {
        this.metadataNeeded = callback;
        bootstrap.onMetadataNeeded(callback);
        byAddress.values().forEach(s -> s.onMetadataNeeded(callback));
    }

    /** Where a sender applies the placement a "wrong node" answer carries. */
    void onPlacement(Consumer<io.scalesmall.protocol.MetadataResponse> callback) {
        this.placement = callback;
        bootstrap.onPlacement(callback);
        byAddress.values().forEach(s -> s.onPlacement(callback));
    }

    /** The bootstrap sender: control requests, and ranges whose replicas are unknown. */
    Sender bootstrap() {
        return bootstrap;
    }

    /** The sender of the node at {@code address}, connecting on first use. */
    Sender forAddress(InetSocketAddress address) {
        return byAddress.computeIfAbsent(address, a -> {
            Sender s = new Sender(config, transport, limiter, bootstrap.loop, List.of(a));
            s.onMetadataNeeded(metadataNeeded);
            s.onPlacement(placement);
            s.onConnectionLost(this::connectionLost);
            s.start();
            return s;
        });
    }

    /** The sender for a range with these replicas (in placement order). */
    Sender forReplicas(List<InetSocketAddress> replicas) {
        return replicas.isEmpty() ? bootstrap : forAddress(replicas.get(0));
    }

    /**
     * A sender lost its connection (or could not make one): each of its ranges with another replica
     * moves to the next one; for a range with none, the client asks where its stream's ranges are
     * now (its only replica may have left, its copies living on elsewhere). Event loop.
     */
    private void connectionLost(Sender lost) {
        java.util.Set<String> refresh = new java.util.LinkedHashSet<>();
        for (RangeProducer rp : lost.ranges()) {
            List<InetSocketAddress> replicas = rp.replicas;
            if (rp.sender != lost || !rp.inflight.isEmpty()) {
                continue;
            }
            InetSocketAddress next = null;
            for (int i = 1; i <= replicas.size() && next == null; i++) {
                int index = (rp.replicaIndex + i) % replicas.size();
                if (!lost.servers().contains(replicas.get(index))) {
                    rp.replicaIndex = index;
                    next = replicas.get(index);
                }
            }
            if (next == null) {
                if (rp.successors == null || rp.hasUnacked()) {
                    refresh.add(rp.stream);
                }
                continue;
            }
            LOG.log(Level.DEBUG, "range {0}/{1}: moving to replica {2}", rp.stream, rp.rangeId, next);
            rp.moveTo(forAddress(next));
        }
        long now = System.nanoTime();
        for (String stream : refresh) {
            // A sender retries its connection with backoff; ask at most once a second per stream.
            Long last = lastRefreshNanos.get(stream);
            if (last == null || now - last >= java.util.concurrent.TimeUnit.SECONDS.toNanos(1)) {
                lastRefreshNanos.put(stream, now);
                metadataNeeded.accept(stream);
            }
        }
    }

    /** When metadata was last asked for a stream because a range had no replica left. Event loop. */
    private final Map<String, Long> lastRefreshNanos = new java.util.HashMap<>();

    /** Every sender's state, for diagnostics. Event loop. */
    String describe() {
        StringBuilder out = new StringBuilder(bootstrap.describe());
        byAddress.values().forEach(s -> out.append(s.describe()));
        return out.toString();
    }

    /** Every sender: flushes each and completes when all did. */
    CompletableFuture<Void> flush() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(bootstrap.flush());
        byAddress.values().forEach(s -> all.add(s.flush()));
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    /** Shuts every sender down. */
    CompletableFuture<Void> shutdown() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        byAddress.values().forEach(s -> all.add(s.shutdown()));
        all.add(bootstrap.shutdown());
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }
}
