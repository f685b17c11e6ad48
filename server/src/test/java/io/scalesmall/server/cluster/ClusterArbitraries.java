package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik generators of cluster-state values. Ids, incarnations, times and metadata come from small
 * pools so that generated entries often collide on one member and exercise every tie-break of the
 * merge order.
 */
public final class ClusterArbitraries {
    private ClusterArbitraries() {}

    /** Ids spread over several buckets, with two ids sharing a bucket and a ring position. */
    public static final List<NodeId> IDS = List.of(
            new NodeId(0x0100_0000_0000_0001L, 1),
            new NodeId(0x0100_0000_0000_0001L, -1),
            new NodeId(0x7F00_0000_0000_0000L, 42),
            new NodeId(0x8000_0000_0000_0000L, 0),
            new NodeId(0xFF12_3456_789A_BCDEL, 7),
            new NodeId(0xFFFF_FFFF_FFFF_FFFFL, -1));

    /** One of {@link #IDS}. */
    public static Arbitrary<NodeId> pooledIds() {
        return Arbitraries.of(IDS);
    }

    /** Any id. */
    public static Arbitrary<NodeId> anyIds() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(NodeId::new);
    }

    /** Strings of 1..max chars, some outside ASCII (but no lone surrogates, which UTF-8 cannot carry). */
    public static Arbitrary<String> text(int minLength, int maxLength) {
        return Arbitraries.strings()
                .withCharRange('a', 'z')
                .withChars('.', '-', '_', 'é', 'ß', '中', '\u0000')
                .ofMinLength(minLength)
                .ofMaxLength(maxLength);
    }

    /** Valid endpoints, hosts of up to 40 characters. */
    public static Arbitrary<Endpoint> endpoints() {
        return Combinators.combine(
                        Arbitraries.oneOf(Arbitraries.of("a", "10.0.0.1", "::1", "node-1.example"), text(1, 40)),
                        Arbitraries.oneOf(
                                Arbitraries.of(1, 7000, 65535),
                                Arbitraries.integers().between(1, 65535)))
                .as(Endpoint::new);
    }

    /** Valid metadata, from a mix of a small pool and random values. */
    public static Arbitrary<NodeMetadata> metadata() {
        Arbitrary<NodeMetadata> random = Combinators.combine(
                        endpoints(),
                        endpoints(),
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.integers().greaterOrEqual(0),
                        text(0, 20),
                        Arbitraries.of(false, true),
                        endpoints().injectNull(0.5))
                .as(NodeMetadata::new);
        Arbitrary<NodeMetadata> pooled = Arbitraries.of(
                new NodeMetadata(new Endpoint("h1", 7000), new Endpoint("h1", 7070), 100, 10, 4, ""),
                new NodeMetadata(new Endpoint("h1", 7000), new Endpoint("h1", 7070), 100, 10, 4, "z1"),
                new NodeMetadata(new Endpoint("h2", 7000), new Endpoint("h2", 7070), 0, 0, 0, ""),
                new NodeMetadata(new Endpoint("h2", 7000), new Endpoint("h2", 7070), 100, 10, 4, "", true, null),
                new NodeMetadata(
                        new Endpoint("h3", 7000),
                        new Endpoint("h3", 7070),
                        100,
                        10,
                        4,
                        "",
                        false,
                        new Endpoint("h3", 8080)));
        return Arbitraries.frequencyOf(Tuple.of(4, pooled), Tuple.of(1, random));
    }

    /** Member entries of the pooled ids, with colliding incarnations and times. */
    public static Arbitrary<MemberEntry> members() {
        return Combinators.combine(
                        pooledIds(),
                        Arbitraries.longs().between(0, 3),
                        Arbitraries.of(MemberStatus.class),
                        Arbitraries.longs().between(0, 3),
                        metadata())
                .as(MemberEntry::new);
    }

    /** Member entries with any id and any values. */
    public static Arbitrary<MemberEntry> anyMembers() {
        return Combinators.combine(
                        anyIds(),
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.of(MemberStatus.class),
                        Arbitraries.longs(),
                        metadata())
                .as(MemberEntry::new);
    }

    /** Valid stream claims. */
    public static Arbitrary<StreamClaim> streamClaims() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of("orders", "s", "metrics.cpu"), text(1, 30));
        return Combinators.combine(
                        names,
                        Arbitraries.integers().between(1, 255),
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        Arbitraries.integers().between(1, StreamClaim.MAX_INITIAL_RANGES),
                        Arbitraries.longs())
                .as(StreamClaim::new);
    }

    /** Valid range claims. */
    public static Arbitrary<RangeClaim> ranges() {
        Arbitrary<String> streams = Arbitraries.oneOf(Arbitraries.of("orders", "s", "metrics.cpu"), text(1, 30));
        return Combinators.combine(
                        streams,
                        Arbitraries.integers().greaterOrEqual(0),
                        Arbitraries.longs().between(0, RangeClaim.KEY_SPACE - 1),
                        Arbitraries.longs().between(1, RangeClaim.KEY_SPACE),
                        Arbitraries.longs(),
                        anyIds().list().ofMinSize(1).ofMaxSize(4),
                        Arbitraries.of(true, false))
                .as((stream, id, a, b, since, replicas, closed) -> {
                    long start = Math.min(a, b - 1);
                    long end = Math.max(a + 1, b);
                    return new RangeClaim(stream, id, start, end, since, replicas, closed);
                });
    }

    /** Claim sets of the pooled ids, with colliding counters. */
    public static Arbitrary<ClaimSet> claims() {
        Arbitrary<List<RangeClaim>> lists = Arbitraries.oneOf(
                Arbitraries.of(
                        List.of(),
                        List.of(TestClaims.range("orders", 0, RangeClaim.KEY_SPACE)),
                        List.of(TestClaims.range("orders", 0, 10), TestClaims.range("s", 5, 6))),
                ranges().list().ofMaxSize(4));
        Arbitrary<List<StreamClaim>> streams = streamClaims().list().ofMaxSize(2);
        return Combinators.combine(pooledIds(), Arbitraries.longs().between(0, 3), streams, lists)
                .as(ClaimSet::new);
    }

    /** Claim sets with any owner and counter. */
    public static Arbitrary<ClaimSet> anyClaims() {
        return Combinators.combine(
                        anyIds(),
                        Arbitraries.longs().greaterOrEqual(0),
                        streamClaims().list().ofMaxSize(3),
                        ranges().list().ofMaxSize(6))
                .as(ClaimSet::new);
    }

    /** Accusations. */
    public static Arbitrary<Accusation> accusations() {
        return Combinators.combine(anyIds(), anyIds(), Arbitraries.longs()).as(Accusation::new);
    }

    /** States built by merging a few pooled entries. */
    public static Arbitrary<ClusterState> states() {
        return Combinators.combine(
                        members().list().ofMaxSize(8), claims().list().ofMaxSize(6))
                .as((ms, cs) -> {
                    ClusterState state = new ClusterState();
                    ms.forEach(state::merge);
                    cs.forEach(state::merge);
                    return state;
                });
    }
}
