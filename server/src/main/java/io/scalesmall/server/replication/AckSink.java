package io.scalesmall.server.replication;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.PublishResponse;

/**
 * Where the data agent sends the outcome of a publish: one client connection. Methods are called
 * on the data agent thread; implementations hand the frame to their own I/O thread and must not
 * block.
 */
public interface AckSink {
    /**
     * The publish with {@code requestId} met its {@code policy}; {@code inFlightBytes} may be
     * released. {@code receivedNanos} is the value the sink passed with the publish, handed back
     * untouched so the sink can time the publish without the agent reading a clock.
     */
    void publishOk(
            int requestId, int inFlightBytes, PublishResponse response, DurabilityPolicy policy, long receivedNanos);

    /** The publish with {@code requestId} failed; {@code inFlightBytes} may be released. */
    void publishFailed(int requestId, int inFlightBytes, ErrorCode code, String message);

    /**
     * The publish with {@code requestId} went to a range this node does not hold or that was
     * replaced: like {@link #publishFailed}, and the answer may carry the stream's placement, so
     * the client need not ask for it.
     */
    default void publishMisrouted(int requestId, int inFlightBytes, ErrorCode code, String message, String stream) {
        publishFailed(requestId, inFlightBytes, code, message);
    }

    /** Called once after a burst of acks, so that they leave in one write. */
    void flush();
}
