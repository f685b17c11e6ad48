package io.scalesmall.server.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This node's traffic of the last minutes, one sample a second: messages and bytes published
 * (coordinated here) and consumed (sent to readers) per second, from running totals read once a
 * second. Sans-IO: the caller passes the time and the totals.
 *
 * <p>Thread-safe (synchronized): the admin event loop samples, any request thread reads.
 */
final class TrafficHistory {
    /** The four counts, in the order every array of them here and in {@link ClusterStats} keeps. */
    static final String[] FIELDS = {"publishedMessages", "publishedBytes", "consumedMessages", "consumedBytes"};

    /** Seconds kept: five minutes. */
    static final int SECONDS = 300;

    private final long[] atSecond = new long[SECONDS];
    private final long[][] perSecond = new long[4][SECONDS];
    private final long[] lastTotals = new long[4];
    private long lastSampleMs = -1;
    private int next;
    private int size;

    /**
     * Records the totals at {@code nowMs}: the rates since the previous sample (a first sample
     * only sets the base). Totals that went down (a restart) count as 0.
     */
    synchronized void sample(
            long nowMs, long publishedMessages, long publishedBytes, long consumedMessages, long consumedBytes) {
        long[] totals = {publishedMessages, publishedBytes, consumedMessages, consumedBytes};
        if (lastSampleMs >= 0 && nowMs > lastSampleMs) {
            double seconds = (nowMs - lastSampleMs) / 1000.0;
            atSecond[next] = nowMs / 1000;
            for (int k = 0; k < 4; k++) {
                perSecond[k][next] = Math.round(Math.max(0, totals[k] - lastTotals[k]) / seconds);
            }
            next = (next + 1) % SECONDS;
            size = Math.min(size + 1, SECONDS);
        }
        lastSampleMs = nowMs;
        System.arraycopy(totals, 0, lastTotals, 0, 4);
    }

    /**
     * The samples oldest first, as parallel lists: {@code t} (epoch seconds), {@code
     * publishedMessages}, {@code publishedBytes}, {@code consumedMessages}, {@code consumedBytes}
     * (each per second).
     */
    synchronized Map<String, Object> toJson() {
        List<Long> t = new ArrayList<>(size);
        List<List<Long>> series = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            series.add(new ArrayList<>(size));
        }
        for (int i = 0; i < size; i++) {
            int at = Math.floorMod(next - size + i, SECONDS);
            t.add(atSecond[at]);
            for (int k = 0; k < 4; k++) {
                series.get(k).add(perSecond[k][at]);
            }
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("t", t);
        for (int k = 0; k < 4; k++) {
            o.put(FIELDS[k], series.get(k));
        }
        return o;
    }
}
