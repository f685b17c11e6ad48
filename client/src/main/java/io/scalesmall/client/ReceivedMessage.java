package io.scalesmall.client;

import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.NodeId;
import java.util.List;

/**
 * A materialized message, as {@link ScaleSmallClient#fetch} returns them: every field is a copy
 * owned by the caller.
 *
 * <p>Immutable as long as the caller does not modify the arrays; thread-safe.
 *
 * @param stream the stream
 * @param rangeId the range
 * @param key the key, or null for a keyless message
 * @param payload the payload
 * @param headers the headers, empty when none
 * @param timestampMs the producer's create time, ms since the epoch
 * @param hlcTime the batch's hybrid logical clock stamp
 * @param coordinator the node that stamped the batch
 * @param batchSeq the batch's sequence from its coordinator
 * @param indexInBatch the message's index in its batch
 */
public record ReceivedMessage(
        String stream,
        int rangeId,
        byte[] key,
        byte[] payload,
        List<Header> headers,
        long timestampMs,
        long hlcTime,
        NodeId coordinator,
        long batchSeq,
        int indexInBatch) {

    /**
     * When the server appended the message: the wall-clock part of {@link #hlcTime()}.
     *
     * @return ms since the epoch
     */
    public long appendedTimeMs() {
        return BatchFormat.hlcMillis(hlcTime);
    }
}
