package io.scalesmall.client;

import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.LagResponse;
import java.util.List;

/**
 * How far a reader's position is behind the end of a stream, as {@link ScaleSmallClient#lag}
 * counted it: the messages after it, the batches holding them, and the stored times of the oldest
 * of them and of the newest message. Counts come from one holder of each range; a holder that is
 * still catching up may hold a few batches less than its range's fullest copy.
 *
 * @param stream the stream
 * @param messages messages after the position
 * @param batches batches holding them
 * @param oldestUnreadMs when the oldest of them was stored (ms since the epoch, from its batch's
 *     hybrid logical clock time), or -1 when none
 * @param newestMs when the newest message of the stream was stored, or -1 when it holds none
 * @param ranges each counted range's answer
 */
public record Lag(
        String stream, long messages, long batches, long oldestUnreadMs, long newestMs, List<LagResponse> ranges) {
    /** The sum of the ranges' answers. */
    static Lag of(String stream, List<LagResponse> ranges) {
        long messages = 0;
        long batches = 0;
        long oldest = Long.MAX_VALUE;
        long newest = -1;
        for (LagResponse r : ranges) {
            messages += r.messages();
            batches += r.batches();
            if (r.batches() > 0) {
                oldest = Math.min(oldest, BatchFormat.hlcMillis(r.firstUnreadHlc()));
            }
            if (r.lastHlc() != 0) {
                newest = Math.max(newest, BatchFormat.hlcMillis(r.lastHlc()));
            }
        }
        return new Lag(stream, messages, batches, oldest == Long.MAX_VALUE ? -1 : oldest, newest, List.copyOf(ranges));
    }

    /**
     * How long the oldest unread message has waited at {@code nowMs}: how far behind real time the
     * reader is; 0 when it has read everything.
     */
    public long timeBehindMs(long nowMs) {
        return oldestUnreadMs < 0 ? 0 : Math.max(0, nowMs - oldestUnreadMs);
    }
}
