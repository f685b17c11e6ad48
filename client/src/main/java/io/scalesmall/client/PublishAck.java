package io.scalesmall.client;

import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCursor;
import java.util.List;

/**
 * The acknowledgement of one published message: where it is stored. Message {@code index} of
 * the batch that {@code coordinator} stamped with {@code batchSeq} in range {@code rangeId}.
 *
 * <p>Immutable; thread-safe.
 *
 * @param stream the stream
 * @param rangeId the range the message went to
 * @param coordinator the node that stamped its batch
 * @param batchSeq the batch's sequence from that coordinator in the range; 0 when the server
 *     acknowledged a retry of a batch too old to locate (see {@link #positionKnown()})
 * @param index the message's index in its batch, from 0
 * @param batchCount the number of messages in its batch
 * @param hlcTime the batch's hybrid logical clock stamp ({@code ms << 16 | logical})
 * @param duplicate whether the server had stored the batch already (a retry)
 */
public record PublishAck(
        String stream,
        int rangeId,
        NodeId coordinator,
        long batchSeq,
        int index,
        int batchCount,
        long hlcTime,
        boolean duplicate) {

    /**
     * The wall-clock part of the stamp: when the server appended the message, in ms since the
     * epoch.
     *
     * @return milliseconds
     */
    public long timestampMs() {
        return BatchFormat.hlcMillis(hlcTime);
    }

    /**
     * Whether the position fields name the stored message; false only for a duplicate whose
     * original batch the server could no longer locate.
     *
     * @return true when {@link #cursorAfter()} can be computed
     */
    public boolean positionKnown() {
        return batchSeq > 0;
    }

    /**
     * A cursor just after this message: a subscription or fetch from it starts with the next
     * message this coordinator stamped in the range. The cursor has an entry for this message's
     * coordinator only, so messages other coordinators stamped in the range are read from their
     * beginning; in a one-node range that is exactly "every later message".
     *
     * @return the cursor
     * @throws IllegalStateException when {@link #positionKnown()} is false
     */
    public Cursor cursorAfter() {
        if (!positionKnown()) {
            throw new IllegalStateException("the server did not report where this duplicate is stored");
        }
        RangeCursor range = index + 1 >= batchCount
                ? RangeCursor.beginning(rangeId).with(coordinator, batchSeq, 0)
                : RangeCursor.beginning(rangeId).with(coordinator, batchSeq - 1, index + 1);
        return new Cursor(List.of(range));
    }
}
