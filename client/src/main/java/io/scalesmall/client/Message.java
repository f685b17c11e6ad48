package io.scalesmall.client;

import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.NodeId;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A message delivered to a {@link MessageHandler}: a reusable view over the decoded batch. It is
 * valid only during the {@link MessageHandler#onMessage} call that received it; afterwards it
 * describes another message. Copy what you keep.
 *
 * <p>Not thread-safe: use it only on the delivery thread, inside the callback.
 */
public interface Message {
    /**
     * The stream.
     *
     * @return the stream name
     */
    String stream();

    /**
     * The range the message belongs to.
     *
     * @return the range id
     */
    int rangeId();

    /**
     * Whether the message has a key.
     *
     * @return true when it has one
     */
    boolean hasKey();

    /**
     * A copy of the key.
     *
     * @return the key bytes, or null for a keyless message
     */
    byte[] key();

    /**
     * A copy of the payload.
     *
     * @return the payload bytes
     */
    byte[] payload();

    /**
     * The payload without copying: a buffer whose position and limit bound the payload. The buffer
     * object is reused and its content overwritten after the callback returns; do not keep it or
     * write to it.
     *
     * @return the payload view
     */
    ByteBuffer payloadBuffer();

    /**
     * The payload length.
     *
     * @return bytes
     */
    int payloadLength();

    /**
     * The headers, decoded (allocates).
     *
     * @return the headers, empty when none
     */
    List<Header> headers();

    /**
     * The producer's create time of the message.
     *
     * @return ms since the epoch
     */
    long timestampMs();

    /**
     * The hybrid logical clock stamp of the message's batch, given by its coordinator.
     *
     * @return {@code ms << 16 | logical}
     */
    long hlcTime();

    /**
     * When the server appended the message: the wall-clock part of {@link #hlcTime()}.
     *
     * @return ms since the epoch
     */
    long appendedTimeMs();

    /**
     * The node that stamped the message's batch.
     *
     * @return the coordinator
     */
    NodeId coordinator();

    /**
     * The batch's sequence from its coordinator in the range.
     *
     * @return the sequence, from 1
     */
    long batchSeq();

    /**
     * The message's index in its batch.
     *
     * @return the index, from 0
     */
    int indexInBatch();

    /**
     * The cursor token of the subscription's position just after this message (allocates):
     * subscribing from it continues with the next message.
     *
     * @return the cursor token
     */
    String cursorAfter();

    /**
     * A materialized copy of this message that outlives the callback.
     *
     * @return the copy
     */
    ReceivedMessage toReceivedMessage();
}
