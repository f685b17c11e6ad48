package io.scalesmall.protocol;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators of protocol values shared by the property tests. */
final class WireArbitraries {
    private WireArbitraries() {}

    /** Valid Unicode strings (no lone surrogates) mixing ASCII, 2-, 3- and 4-byte UTF-8 code points. */
    static Arbitrary<String> unicodeStrings(int maxCodePoints) {
        Arbitrary<Integer> codePoints = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0x20, 0x7E)),
                Tuple.of(1, Arbitraries.integers().between(0x00, 0x1F)),
                Tuple.of(2, Arbitraries.integers().between(0x80, 0x7FF)),
                Tuple.of(
                        2,
                        Arbitraries.integers()
                                .between(0x800, 0xFFFF)
                                .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, Character.MAX_CODE_POINT)));
        return codePoints.list().ofMaxSize(maxCodePoints).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    static Arbitrary<byte[]> bytes(int maxSize) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(maxSize);
    }

    static Arbitrary<NodeId> nodeIds() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(NodeId::new);
    }

    static Arbitrary<DurabilityPolicy> policies() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, DurabilityPolicy.MAX_COPIES),
                        Arbitraries.integers().between(0, DurabilityPolicy.MAX_COPIES))
                .filter((memory, disk) -> memory > 0 || disk > 0)
                .as(DurabilityPolicy::new);
    }

    static Arbitrary<StreamOptions> streamOptions() {
        Arbitrary<Long> limit =
                Arbitraries.oneOf(Arbitraries.just(-1L), Arbitraries.longs().between(1, Long.MAX_VALUE));
        return Combinators.combine(Arbitraries.integers().between(1, DurabilityPolicy.MAX_COPIES), limit, limit)
                .as(StreamOptions::new);
    }

    static Arbitrary<RangeCursor.Entry> cursorEntries() {
        return Combinators.combine(
                        nodeIds(),
                        Arbitraries.longs().between(0, Long.MAX_VALUE),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE))
                .as(RangeCursor.Entry::new);
    }

    static Arbitrary<RangeCursor> rangeCursors() {
        return Combinators.combine(
                        Arbitraries.integers(), cursorEntries().list().ofMaxSize(6))
                .as(RangeCursor::new);
    }

    static Arbitrary<StartPosition> startPositions() {
        return Arbitraries.oneOf(
                Arbitraries.just(StartPosition.beginning()),
                Arbitraries.just(StartPosition.end()),
                Arbitraries.longs().map(StartPosition::timestamp),
                rangeCursors().map(StartPosition::cursor));
    }

    static Arbitrary<Header> headers() {
        return Combinators.combine(unicodeStrings(12), bytes(24)).as(Header::new);
    }

    /** Messages with no, empty or non-empty keys, any payloads and no, empty or several headers. */
    static Arbitrary<TestMessage> messages() {
        Arbitrary<byte[]> keys = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just((byte[]) null)),
                Tuple.of(1, Arbitraries.just(new byte[0])),
                Tuple.of(4, bytes(40)));
        Arbitrary<byte[]> values = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(new byte[0])), Tuple.of(6, bytes(200)), Tuple.of(1, bytes(3000)));
        Arbitrary<List<Header>> headerLists = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just((List<Header>) null)),
                Tuple.of(1, Arbitraries.just(List.<Header>of())),
                Tuple.of(3, headers().list().ofMinSize(1).ofMaxSize(4)));
        Arbitrary<Long> deltas = Arbitraries.oneOf(Arbitraries.longs().between(-10_000, 10_000), Arbitraries.longs());
        return Combinators.combine(deltas, keys, values, headerLists).as(TestMessage::new);
    }
}
