package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalesmall.server.storage.RetentionPlanner.Decision;
import io.scalesmall.server.storage.RetentionPlanner.RangeView;
import io.scalesmall.server.storage.RetentionPlanner.Reason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {
    private static final long NOW = 1_000_000;
    private static final long NONE = RetentionPlanner.NO_LIMIT;

    private static RangeView range(
            String stream, int id, long bytes, long oldestMs, int segments, long ageMs, long maxBytes) {
        return new RangeView(stream, id, bytes, oldestMs, segments, ageMs, maxBytes);
    }

    @Test
    void nothingToDeleteWithinLimitsAndUnderTheWatermark() {
        List<RangeView> ranges =
                List.of(range("a", 0, 5_000, NOW - 500, 4, 1_000, 10_000), range("b", 0, 9_000, 0, 9, NONE, NONE));
        assertThat(RetentionPlanner.next(ranges, NOW, false)).isEmpty();
    }

    @Test
    void aRangeOlderThanItsStreamsRetentionGoesFirstEvenUnderTheWatermark() {
        RangeView old = range("a", 1, 100, NOW - 2_000, 3, 1_000, NONE);
        List<RangeView> ranges = List.of(range("b", 0, 1_000_000, 0, 50, NONE, NONE), old);
        assertThat(RetentionPlanner.next(ranges, NOW, false)).contains(new Decision(old, Reason.AGE));
        assertThat(RetentionPlanner.next(ranges, NOW, true)).contains(new Decision(old, Reason.AGE));
    }

    @Test
    void aRangeLargerThanItsStreamsSizeLimitIsTrimmed() {
        RangeView large = range("a", 2, 20_000, NOW - 10, 3, NONE, 10_000);
        List<RangeView> ranges = List.of(range("a", 1, 9_000, NOW - 10, 3, NONE, 10_000), large);
        assertThat(RetentionPlanner.next(ranges, NOW, false)).contains(new Decision(large, Reason.SIZE));
    }

    @Test
    void amongViolatorsTheOldestSegmentGoesFirst() {
        RangeView tooLarge = range("a", 0, 20_000, NOW - 100, 3, NONE, 10_000);
        RangeView tooOld = range("b", 0, 100, NOW - 5_000, 3, 1_000, NONE);
        assertThat(RetentionPlanner.next(List.of(tooLarge, tooOld), NOW, false))
                .contains(new Decision(tooOld, Reason.AGE));
    }

    @Test
    void overTheWatermarkTheOldestSegmentAcrossAllStreamsGoes() {
        RangeView oldest = range("c", 7, 10, 300, 2, NONE, NONE);
        List<RangeView> ranges = List.of(
                range("a", 0, 1_000_000, 500, 40, NONE, NONE), oldest, range("b", 3, 50, 400, 5, 10_000_000, NONE));
        assertThat(RetentionPlanner.next(ranges, NOW, true)).contains(new Decision(oldest, Reason.HIGH_WATERMARK));
    }

    @Test
    void theActiveSegmentIsNeverDeleted() {
        List<RangeView> ranges = List.of(range("a", 0, 1_000_000, 0, 1, 1, 1), range("b", 0, 0, -1, 1, NONE, NONE));
        assertThat(RetentionPlanner.next(ranges, NOW, true)).isEmpty();
    }

    @Test
    void tiesAreBrokenByStreamThenRangeSoTheAnswerDoesNotDependOnOrder() {
        RangeView a2 = range("a", 2, 10, 100, 2, NONE, NONE);
        RangeView a1 = range("a", 1, 10, 100, 2, NONE, NONE);
        RangeView b0 = range("b", 0, 10, 100, 2, NONE, NONE);
        assertThat(RetentionPlanner.next(List.of(b0, a2, a1), NOW, true).map(Decision::range))
                .contains(a1);
        assertThat(RetentionPlanner.next(List.of(a1, b0, a2), NOW, true).map(Decision::range))
                .contains(a1);
    }

    @Property
    void choosesADeletableRangeAndAViolatorWheneverThereIsOne(
            @ForAll @Size(max = 12) List<@IntRange(min = 1, max = 4) Integer> segmentCounts,
            @ForAll @LongRange(min = 0, max = 2_000) long seed,
            @ForAll boolean overWatermark) {
        java.util.Random random = new java.util.Random(seed);
        List<RangeView> ranges = new ArrayList<>();
        for (int i = 0; i < segmentCounts.size(); i++) {
            long ageLimit = random.nextBoolean() ? NONE : random.nextInt(2_000);
            long sizeLimit = random.nextBoolean() ? NONE : random.nextInt(2_000);
            ranges.add(range(
                    "s" + random.nextInt(3),
                    i,
                    random.nextInt(3_000),
                    NOW - random.nextInt(3_000),
                    segmentCounts.get(i),
                    ageLimit,
                    sizeLimit));
        }
        Optional<Decision> decision = RetentionPlanner.next(ranges, NOW, overWatermark);
        List<RangeView> deletable =
                ranges.stream().filter(r -> r.segmentCount() > 1).toList();
        List<RangeView> violators = deletable.stream()
                .filter(r -> (r.retentionMs() != NONE && NOW - r.oldestSegmentMaxMillis() > r.retentionMs())
                        || (r.retentionBytes() != NONE && r.sizeBytes() > r.retentionBytes()))
                .toList();
        if (!violators.isEmpty()) {
            assertThat(decision).isPresent();
            assertThat(decision.get().reason()).isIn(Reason.AGE, Reason.SIZE);
            assertThat(violators).contains(decision.get().range());
            long oldest = violators.stream()
                    .mapToLong(RangeView::oldestSegmentMaxMillis)
                    .min()
                    .orElseThrow();
            assertThat(decision.get().range().oldestSegmentMaxMillis()).isEqualTo(oldest);
        } else if (overWatermark && !deletable.isEmpty()) {
            RangeView expected = deletable.stream()
                    .min(Comparator.comparingLong(RangeView::oldestSegmentMaxMillis)
                            .thenComparing(RangeView::stream)
                            .thenComparingInt(RangeView::rangeId))
                    .orElseThrow();
            assertThat(decision).contains(new Decision(expected, Reason.HIGH_WATERMARK));
        } else {
            assertThat(decision).isEmpty();
        }
    }
}
