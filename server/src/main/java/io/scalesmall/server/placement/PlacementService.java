package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.protocol.StreamNames;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClaimsPolicy;
import io.scalesmall.server.cluster.ClusterState;
import io.scalesmall.server.cluster.HybridLogicalClock;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * This node's side of placement: it keeps the {@link PlacementView} of the cluster up to date,
 * applies the {@link Placer}'s rules to this node's own claims whenever the cluster state changes,
 * persists what it decides in the {@link StreamCatalog} before claiming it (a restarted node
 * claims what it holds), and answers the data path's questions about ranges.
 *
 * <p>Threads: {@link #review} runs on the cluster thread; everything else is thread-safe (the view
 * is an immutable snapshot in a volatile field; the catalog serializes its writes).
 */
public final class PlacementService implements ClaimsPolicy, RangeDirectory {
    private static final Logger LOG = Logger.getLogger(PlacementService.class.getName());
    private static final Comparator<RangeClaim> RANGE_ORDER =
            Comparator.comparing(RangeClaim::stream).thenComparingInt(RangeClaim::rangeId);

    private final NodeId self;
    private final StreamCatalog catalog;
    private final HybridLogicalClock hlc;
    private final LongSupplier clockMs;
    private volatile PlacementView view = PlacementView.empty();
    private final long restoreDelayMs;
    private volatile Runnable reviewRequester = () -> {};
    private volatile LongConsumer reviewScheduler = delayMs -> {};
    private long salt;
    private volatile long recheckScheduledAtMs = Long.MAX_VALUE;
    private final int maxRangesPerStream;
    /** Ranges this node would split ("stream/rangeId"), until the next review. */
    private final Set<String> splitWanted = ConcurrentHashMap.newKeySet();

    /**
     * @param restoreDelayMs how long a holder must have been DEAD or LEFT before this node may take
     *     a copy of its sealed ranges ({@link Placer}'s Restore rule); {@code Long.MAX_VALUE} for never
     */
    public PlacementService(
            NodeId self, StreamCatalog catalog, HybridLogicalClock hlc, LongSupplier clockMs, long restoreDelayMs) {
        this(self, catalog, hlc, clockMs, restoreDelayMs, SplitConfig.DEFAULT_MAX_RANGES_PER_STREAM);
    }

    /** @param maxRangesPerStream no split while a stream has this many current ranges */
    public PlacementService(
            NodeId self,
            StreamCatalog catalog,
            HybridLogicalClock hlc,
            LongSupplier clockMs,
            long restoreDelayMs,
            int maxRangesPerStream) {
        this.maxRangesPerStream = maxRangesPerStream;
        this.self = self;
        this.catalog = catalog;
        this.hlc = hlc;
        this.clockMs = clockMs;
        this.restoreDelayMs = restoreDelayMs;
    }

    /** How to ask for a {@link #review} soon (the cluster agent's), set once the cluster plane runs. */
    public void reviewRequester(Runnable requester) {
        this.reviewRequester = requester;
    }

    /** How to ask for a {@link #review} after a delay in milliseconds (the cluster agent's). */
    public void reviewScheduler(LongConsumer scheduler) {
        this.reviewScheduler = scheduler;
        // A recheck decided before there was a scheduler was never scheduled.
        this.recheckScheduledAtMs = Long.MAX_VALUE;
    }

    /**
     * Asks to split these ranges (hot or big, by {@link SplitMonitor}) at the next review; the
     * {@link Placer} splits those this node may split. Any thread.
     */
    public void requestSplits(List<SplitMonitor.Load> ranges) {
        if (ranges.isEmpty()) {
            return;
        }
        for (SplitMonitor.Load r : ranges) {
            splitWanted.add(r.stream() + "/" + r.rangeId());
        }
        reviewRequester.run();
    }

    /** The latest view of the cluster's streams and ranges. */
    public PlacementView view() {
        return view;
    }

    /** This node's claims as the catalog holds them, in canonical order. */
    public ClaimSet claims() {
        List<StreamClaim> streams = new ArrayList<>(catalog.streams());
        streams.sort(Comparator.comparing(StreamClaim::stream));
        List<RangeClaim> ranges = new ArrayList<>(catalog.ranges());
        ranges.sort(RANGE_ORDER);
        return new ClaimSet(self, 0, streams, ranges);
    }

    @Override
    public ClaimSet review(ClusterState state) {
        ClaimSet published = state.claims(self);
        PlacementView current = viewOf(state);
        view = current;
        ClaimSet own = claims();
        long nowMs = clockMs.getAsLong();
        Set<String> wanted = Set.copyOf(splitWanted);
        splitWanted.removeAll(wanted);
        Placer.Decision decision = Placer.decide(
                current,
                self,
                own.streams(),
                own.ranges(),
                hlc.tick(nowMs),
                ++salt,
                nowMs,
                restoreDelayMs,
                r -> wanted.contains(r.stream() + "/" + r.rangeId()),
                maxRangesPerStream);
        if (decision.recheckAtMs() != Long.MAX_VALUE
                && (decision.recheckAtMs() < recheckScheduledAtMs || recheckScheduledAtMs <= nowMs)) {
            // A lost copy's restore delay ends then: run the rules again even if nothing changes.
            recheckScheduledAtMs = decision.recheckAtMs();
            reviewScheduler.accept(Math.max(1, decision.recheckAtMs() - nowMs));
        }
        if (decision.changed()) {
            try {
                for (StreamClaim s : decision.streams()) {
                    catalog.putStream(s);
                }
                for (RangeClaim r : decision.created()) {
                    catalog.putRange(r);
                    LOG.info("created range " + r.stream() + "/" + r.rangeId() + " [" + r.startHash() + ", "
                            + r.endHash() + ") on " + r.replicas());
                }
                for (RangeClaim r : decision.split()) {
                    LOG.info("split range " + r.stream() + "/" + r.rangeId() + " [" + r.startHash() + ", " + r.endHash()
                            + "): it is hot or big; its new writes go to the halves");
                }
                for (RangeClaim r : decision.adopted()) {
                    catalog.putRange(r);
                    LOG.info("took range " + r.stream() + "/" + r.rangeId() + " as a replica");
                }
                for (RangeClaim r : decision.restoring()) {
                    catalog.putRange(r);
                    LOG.info("took a copy of range " + r.stream() + "/" + r.rangeId()
                            + " to restore copies lost with a departed holder; filling it from the live holders");
                }
                for (RangeClaim r : decision.sealed()) {
                    catalog.putRange(r);
                    LOG.info("sealed range " + r.stream() + "/" + r.rangeId() + ": a placement change replaced it");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot persist placement decisions", e);
            }
            own = claims();
            view = viewOf(state);
        }
        if (published != null
                && published.streams().equals(own.streams())
                && published.ranges().equals(own.ranges())) {
            return null;
        }
        return own;
    }

    /** The view of {@code state}, with this node's claims as its catalog has them. */
    private PlacementView viewOf(ClusterState state) {
        List<ClaimSet> claims = new ArrayList<>(state.allClaims());
        claims.removeIf(c -> c.owner().equals(self));
        claims.add(claims());
        return PlacementView.of(state.members(), claims);
    }

    /**
     * Creates a stream. Its ranges follow within moments: each is created by its first target
     * replica, so a client waits for the metadata to show them.
     *
     * @param initialRanges how many ranges to cut the key space into; 0 for one per live node
     * @return true when created, false when it exists with the same options
     * @throws IllegalStateException when it exists with other options
     */
    public boolean createStream(String name, StreamOptions options, int initialRanges) throws IOException {
        StreamNames.validate(name);
        StreamClaim existing = catalog.stream(name);
        if (existing == null) {
            existing = view.stream(name);
        }
        if (existing != null) {
            if (!StreamCatalog.options(existing).equals(options)) {
                throw new IllegalStateException(
                        "stream " + name + " exists with options " + StreamCatalog.options(existing));
            }
            return false;
        }
        int ranges = initialRanges > 0
                ? initialRanges
                : Math.max(1, Placer.candidates(view).size());
        ranges = Math.min(ranges, StreamClaim.MAX_INITIAL_RANGES);
        catalog.putStream(new StreamClaim(
                name,
                options.replicationFactor(),
                options.retentionMs(),
                options.retentionBytes(),
                ranges,
                hlc.tick(clockMs.getAsLong())));
        LOG.info("created stream " + name + " with " + ranges + " range(s), " + options);
        reviewRequester.run();
        return true;
    }

    @Override
    public RangeClaim held(String stream, int rangeId) {
        return catalog.range(stream, rangeId);
    }

    @Override
    public synchronized RangeClaim adopt(RangeDescriptor range) throws IOException {
        RangeClaim known = catalog.range(range.stream(), range.rangeId());
        if (known != null) {
            return known;
        }
        if (Placer.draining(view, self)) {
            throw new IOException("this node is handing its data off to leave: it takes no new range");
        }
        StreamClaim stream = view.stream(range.stream());
        if (stream != null && catalog.stream(range.stream()) == null) {
            catalog.putStream(stream);
        }
        RangeClaim claim = new RangeClaim(
                range.stream(),
                range.rangeId(),
                range.startHash(),
                range.endHash(),
                range.sinceHlc(),
                range.replicas(),
                false);
        catalog.putRange(claim);
        LOG.info("took range " + range.stream() + "/" + range.rangeId() + " as a replica, on a peer's first batch");
        reviewRequester.run();
        return claim;
    }

    @Override
    public List<NodeId> holders(String stream, int rangeId) {
        PlacementView.RangeInfo info = view.range(stream, rangeId);
        return info == null ? List.of() : info.holders();
    }

    @Override
    public boolean isLive(NodeId node) {
        MemberEntry m = view.member(node);
        return m != null && m.isLive();
    }
}
