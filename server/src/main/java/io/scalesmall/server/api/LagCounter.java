package io.scalesmall.server.api;

import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.LagResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.server.replication.DataAgent;
import io.scalesmall.server.replication.Refusals;
import io.scalesmall.server.storage.RangeLog;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts what a reader at a resolved start has left in a range: the messages and batches after
 * it, by walking batch headers only (no payload is read), skipping the batches its version vector
 * already covers and the messages of a partly read batch; batches flagged as duplicates, or void
 * because the range refused them as sealed, hold no messages here and are not counted.
 */
final class LagCounter {
    private LagCounter() {}

    static LagResponse count(int rangeId, RangeLog log, DataAgent.ReadStart start, boolean sealed, Refusals refusals)
            throws IOException {
        Map<NodeId, RangeCursor.Entry> read = new HashMap<>();
        for (RangeCursor.Entry e : start.vector()) {
            read.put(e.coordinator(), e);
        }
        long[] totals = new long[3]; // messages, batches, oldest unread HLC
        totals[2] = Long.MAX_VALUE;
        log.walkHeaders(start.index(), (index, h) -> {
            if ((h.attributes() & BatchFormat.DUPLICATE_FLAG) != 0
                    || refusals.covers(h.producerId(), h.producerSeq())) {
                return true;
            }
            RangeCursor.Entry e = read.get(new NodeId(h.coordinatorHigh(), h.coordinatorLow()));
            long readSeq = e == null ? 0 : e.batchSeq();
            if (h.batchSeq() <= readSeq) {
                return true;
            }
            int skip = e != null && h.batchSeq() == readSeq + 1 ? Math.min(e.skip(), h.count()) : 0;
            totals[0] += h.count() - skip;
            totals[1]++;
            totals[2] = Math.min(totals[2], h.hlcTime());
            return true;
        });
        return new LagResponse(
                rangeId, totals[0], totals[1], totals[1] == 0 ? 0 : totals[2], log.lastHlcTime(), sealed);
    }
}
