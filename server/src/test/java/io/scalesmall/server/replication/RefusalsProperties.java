package io.scalesmall.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Refused spans answer as the set of sequences they cover, whatever the order they came in. */
class RefusalsProperties {
    @Property
    void spansCoverExactlyTheRefusedSequences(
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 59) Integer> starts,
            @ForAll @Size(max = 12) List<@IntRange(min = 1, max = 9) Integer> lengths,
            @ForAll @Size(max = 12) List<@IntRange(min = 1, max = 2) Integer> producers) {
        Refusals refusals = Refusals.NONE;
        Map<Long, Set<Long>> model = new HashMap<>();
        int n = Math.min(starts.size(), Math.min(lengths.size(), producers.size()));
        for (int i = 0; i < n; i++) {
            long producer = producers.get(i);
            long start = starts.get(i);
            long end = start + lengths.get(i);
            refusals = refusals.with(producer, start, end);
            for (long x = start; x < end; x++) {
                model.computeIfAbsent(producer, p -> new HashSet<>()).add(x);
            }
        }
        for (long producer = 1; producer <= 3; producer++) {
            Set<Long> covered = model.getOrDefault(producer, Set.of());
            for (long x = 0; x < 75; x++) {
                assertThat(refusals.covers(producer, x))
                        .as("producer %d seq %d in %s", producer, x, refusals)
                        .isEqualTo(covered.contains(x));
                for (long to = x + 1; to <= x + 12; to++) {
                    boolean all = true;
                    for (long y = x; y < to; y++) {
                        all &= covered.contains(y);
                    }
                    assertThat(refusals.coversGap(producer, x, to))
                            .as("producer %d gap [%d, %d) in %s", producer, x, to, refusals)
                            .isEqualTo(all);
                }
            }
        }
        assertThat(refusals.isEmpty()).isEqualTo(n == 0);
    }
}
