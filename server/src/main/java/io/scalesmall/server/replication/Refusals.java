package io.scalesmall.server.replication;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The spans of producer sequences a sealed range refused (answered RANGE_SEALED, so the producer
 * moved those messages to the successor): per producer, disjoint {@code [start, end)} spans,
 * adjacent ones merged. A batch of the producer starting inside a span is void in the range.
 *
 * <p>Immutable: the data agent makes a new one per refusal and publishes it to readers.
 */
public final class Refusals {
    /** No refusal. */
    public static final Refusals NONE = new Refusals(Map.of());

    /** Per producer: sorted, disjoint, non-adjacent spans as {@code start0, end0, start1, end1...}. */
    private final Map<Long, long[]> spans;

    private Refusals(Map<Long, long[]> spans) {
        this.spans = spans;
    }

    public boolean isEmpty() {
        return spans.isEmpty();
    }

    /** Whether a batch of {@code producerId} starting at {@code producerSeq} is void. */
    public boolean covers(long producerId, long producerSeq) {
        long[] s = spans.get(producerId);
        if (s == null) {
            return false;
        }
        int i = spanAtOrBefore(s, producerSeq);
        return i >= 0 && producerSeq < s[2 * i + 1];
    }

    /** Whether {@code [from, to)} lies wholly in one refused span (true when empty). */
    public boolean coversGap(long producerId, long from, long to) {
        if (from >= to) {
            return true;
        }
        long[] s = spans.get(producerId);
        if (s == null) {
            return false;
        }
        int i = spanAtOrBefore(s, from);
        return i >= 0 && to <= s[2 * i + 1];
    }

    /** These refusals and {@code [start, end)} of {@code producerId}. */
    public Refusals with(long producerId, long start, long end) {
        if (end <= start) {
            return this;
        }
        long[] old = spans.getOrDefault(producerId, new long[0]);
        long[] merged = new long[old.length + 2];
        int n = 0;
        boolean placed = false;
        for (int i = 0; i <= old.length; i += 2) {
            long s = i < old.length ? old[i] : Long.MAX_VALUE;
            long e = i < old.length ? old[i + 1] : Long.MAX_VALUE;
            if (!placed && start <= s) {
                n = append(merged, n, start, end);
                placed = true;
            }
            if (i < old.length) {
                n = append(merged, n, s, e);
            }
        }
        Map<Long, long[]> next = new HashMap<>(spans);
        next.put(producerId, Arrays.copyOf(merged, n));
        return new Refusals(Map.copyOf(next));
    }

    /** Appends a span to sorted spans, merging it with the last one when they touch. */
    private static int append(long[] out, int n, long start, long end) {
        if (n > 0 && start <= out[n - 1]) {
            out[n - 1] = Math.max(out[n - 1], end);
            return n;
        }
        out[n] = start;
        out[n + 1] = end;
        return n + 2;
    }

    /** Index of the last span starting at or before {@code seq}, -1 when none. */
    private static int spanAtOrBefore(long[] s, long seq) {
        int lo = 0;
        int hi = s.length / 2 - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (s[2 * mid] <= seq) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Refusals{");
        spans.forEach((p, s) -> b.append(Long.toHexString(p))
                .append('=')
                .append(Arrays.toString(s))
                .append(' '));
        return b.append('}').toString();
    }
}
