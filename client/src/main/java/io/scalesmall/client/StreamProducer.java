package io.scalesmall.client;

import io.scalesmall.protocol.MetadataResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The producer of one stream: its range router and one {@link RangeProducer} per range. Messages
 * are routed once metadata has named the stream's current ranges (one per key slice, covering the
 * whole key space); until then publishers wait in {@link #awaitRouting}.
 *
 * <p>Thread-safe: routing reads a volatile immutable router; updates are synchronized.
 */
final class StreamProducer {
    final String stream;
    private final RangeFactory factory;
    /** Told of a range a placement change replaced (its producer now has a successor). */
    private final java.util.function.Consumer<RangeProducer> replacedRanges;

    private final Map<Integer, RangeProducer> byRangeId = new HashMap<>();
    private volatile CompletableFuture<Void> routed = new CompletableFuture<>();
    private volatile RangeRouter router;
    /** Set while a lookup of the stream's ranges runs. */
    final java.util.concurrent.atomic.AtomicBoolean resolving = new java.util.concurrent.atomic.AtomicBoolean();

    /** Creates the producer of one range (and registers it with the sender of its first replica). */
    interface RangeFactory {
        RangeProducer create(String stream, int rangeId, List<java.net.InetSocketAddress> replicas);
    }

    StreamProducer(String stream, RangeFactory factory, java.util.function.Consumer<RangeProducer> replacedRanges) {
        this.stream = stream;
        this.factory = factory;
        this.replacedRanges = replacedRanges;
    }

    /** True once metadata named the stream's ranges. */
    boolean isRouted() {
        return router != null;
    }

    /**
     * Waits until the stream's ranges are known.
     *
     * @return false when they are still unknown after {@code timeoutMs}
     * @throws ScaleSmallException when the lookup failed for a reason a retry would not fix (the
     *     next publish looks again)
     */
    boolean awaitRouting(long timeoutMs) throws InterruptedException {
        if (router != null) {
            return true;
        }
        try {
            routed.get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ScaleSmallException s) {
                throw s;
            }
            return false;
        }
    }

    /** Fails the waiting publishers with {@code error}; a later lookup starts afresh. */
    void failRouting(ScaleSmallException error) {
        CompletableFuture<Void> failed = routed;
        routed = new CompletableFuture<>();
        failed.completeExceptionally(error);
    }

    /** The producer of the range of {@code key}; only once {@link #isRouted()}. */
    RangeProducer route(byte[] key) {
        return router.route(key);
    }

    /** The ids of the ranges messages are routed to, in hash order (empty before routing). */
    List<Integer> rangeIds() {
        RangeRouter r = router;
        List<Integer> ids = new ArrayList<>();
        if (r != null) {
            for (RangeProducer p : r.producers()) {
                ids.add(p.rangeId);
            }
        }
        return ids;
    }

    /**
     * Routes by the current ranges {@code description} names, when they cover the whole key space;
     * producers of known ranges are kept.
     *
     * @return true when the stream is routed after the update
     */
    synchronized boolean update(MetadataResponse.Stream description, List<MetadataResponse.Node> nodes) {
        List<MetadataResponse.Range> ranges = new ArrayList<>();
        for (MetadataResponse.Range r : description.ranges()) {
            if (r.current()) {
                ranges.add(r);
            }
        }
        ranges.sort((a, b) -> Long.compare(a.firstHash(), b.firstHash()));
        long expected = 0;
        for (MetadataResponse.Range r : ranges) {
            if (r.firstHash() != expected) {
                return router != null;
            }
            expected = r.lastHash() + 1;
        }
        if (ranges.isEmpty() || expected != 1L << 32) {
            return router != null;
        }
        for (MetadataResponse.Range r : ranges) {
            for (RangeProducer known : byRangeId.values()) {
                if (known.sinceHlc > r.sinceHlc()
                        && known.firstHash <= r.lastHash()
                        && r.firstHash() <= known.lastHash) {
                    // A newer range of these keys is known: this view is older than ours (a node
                    // that has not heard of a change yet) and must not route back.
                    return router != null;
                }
            }
        }
        for (MetadataResponse.Range r : description.ranges()) {
            RangeProducer known = byRangeId.get(r.rangeId());
            if (!r.current() && known != null && !r.replicas().isEmpty()) {
                // A replaced range's holders, live ones first: its batches still pending reach one
                // of them, which answers with the range's successors, even after the replicas it
                // had when it was current left.
                known.replicas = addresses(r, nodes);
            }
        }
        RangeRouter old = router;
        List<RangeProducer> created = new ArrayList<>();
        List<RangeProducer> producers = new ArrayList<>();
        for (MetadataResponse.Range r : ranges) {
            List<java.net.InetSocketAddress> replicas = addresses(r, nodes);
            RangeProducer known = byRangeId.get(r.rangeId());
            if (known != null) {
                known.replicas = replicas;
            } else {
                known = factory.create(stream, r.rangeId(), replicas);
                known.firstHash = r.firstHash();
                known.lastHash = r.lastHash();
                known.sinceHlc = r.sinceHlc();
                byRangeId.put(r.rangeId(), known);
                created.add(known);
            }
            // Metadata from a node that has not heard of a placement change yet must not send
            // messages back to a range already replaced.
            newestOf(known, producers);
        }
        RangeRouter next = routerOf(producers);
        if (old != null) {
            Set<RangeProducer> kept = new HashSet<>(producers);
            for (RangeProducer replaced : old.producers()) {
                if (kept.contains(replaced) || replaced.successors != null) {
                    continue;
                }
                // A placement change replaced the range (by one range, or by the halves of a
                // split): its pending messages go first, then those of the ranges replacing it.
                List<RangeProducer> covering = new ArrayList<>();
                for (RangeProducer p : producers) {
                    if (p.firstHash <= replaced.lastHash && replaced.firstHash <= p.lastHash) {
                        covering.add(p);
                        if (created.contains(p)) {
                            List<RangeProducer> ps = new ArrayList<>(p.predecessors);
                            ps.add(replaced);
                            p.predecessors = List.copyOf(ps);
                        }
                    }
                }
                if (covering.isEmpty()) {
                    continue;
                }
                replaced.successors = routerOf(covering);
                System.getLogger(StreamProducer.class.getName())
                        .log(
                                System.Logger.Level.DEBUG,
                                "stream {0}: range(s) {1} replace range {2}",
                                stream,
                                covering.stream().map(p -> p.rangeId).toList(),
                                replaced.rangeId);
                replacedRanges.accept(replaced);
            }
        }
        router = next;
        routed.complete(null);
        return true;
    }

    private static List<java.net.InetSocketAddress> addresses(
            MetadataResponse.Range r, List<MetadataResponse.Node> nodes) {
        List<java.net.InetSocketAddress> replicas = new ArrayList<>(r.replicas().size());
        for (int index : r.replicas()) {
            MetadataResponse.Node n = nodes.get(index);
            replicas.add(new java.net.InetSocketAddress(n.host(), n.port()));
        }
        return List.copyOf(replicas);
    }

    /** Adds the producers that take {@code p}'s keys now: itself, or its successors', in hash order. */
    private static void newestOf(RangeProducer p, List<RangeProducer> out) {
        RangeRouter next = p.successors;
        if (next == null) {
            out.add(p);
            return;
        }
        for (RangeProducer s : next.producers()) {
            newestOf(s, out);
        }
    }

    private static RangeRouter routerOf(List<RangeProducer> producers) {
        long[] first = new long[producers.size()];
        for (int i = 0; i < first.length; i++) {
            first[i] = producers.get(i).firstHash;
        }
        return new RangeRouter(first, producers.toArray(RangeProducer[]::new));
    }
}
