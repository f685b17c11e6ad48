package io.scalesmall.client;

import io.scalesmall.protocol.MetadataResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The producer of one stream: its range router and one {@link RangeProducer} per range. Until
 * metadata names the stream's ranges, everything goes to range 0.
 *
 * <p>Thread-safe: routing reads a volatile immutable router; updates are synchronized.
 */
final class StreamProducer {
    final String stream;
    private final RangeFactory factory;
    private final Map<Integer, RangeProducer> byRangeId = new HashMap<>();
    private volatile RangeRouter router;

    /** Creates the producer of one range (and registers it with the sender). */
    interface RangeFactory {
        RangeProducer create(String stream, int rangeId);
    }

    StreamProducer(String stream, RangeFactory factory) {
        this.stream = stream;
        this.factory = factory;
        RangeProducer first = factory.create(stream, 0);
        byRangeId.put(0, first);
        this.router = RangeRouter.single(first);
    }

    /** The producer of the range of {@code key}. */
    RangeProducer route(byte[] key) {
        return router.route(key);
    }

    /** The ids of the ranges messages are routed to, in hash order. */
    List<Integer> rangeIds() {
        List<Integer> ids = new ArrayList<>();
        for (RangeProducer p : router.producers()) {
            ids.add(p.rangeId);
        }
        return ids;
    }

    /** Replaces the router with the ranges metadata describes; producers of known ranges are kept. */
    synchronized void update(MetadataResponse.Stream description) {
        List<MetadataResponse.Range> ranges = new ArrayList<>(description.ranges());
        if (ranges.isEmpty()) {
            return;
        }
        ranges.sort((a, b) -> Long.compare(a.firstHash(), b.firstHash()));
        long[] first = new long[ranges.size()];
        RangeProducer[] producers = new RangeProducer[ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            MetadataResponse.Range r = ranges.get(i);
            first[i] = i == 0 ? 0 : r.firstHash();
            producers[i] = byRangeId.computeIfAbsent(r.rangeId(), id -> factory.create(stream, id));
        }
        router = new RangeRouter(first, producers);
    }
}
