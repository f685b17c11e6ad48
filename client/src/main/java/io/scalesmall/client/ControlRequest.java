package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.ProtocolException;
import java.util.concurrent.CompletableFuture;

/**
 * A request other than PUBLISH sent on the publishing connection (FETCH, METADATA,
 * CREATE_STREAM): its encoded frame, kept for a resend on a new connection until its deadline,
 * the response type that answers it and how to decode that answer.
 *
 * <p>Owned by the sender's event loop; the future completes there.
 *
 * @param <T> the decoded answer
 */
final class ControlRequest<T> extends Request {
    /** Decodes the body of a successful answer; runs on the event loop. */
    interface Decoder<T> {
        T decode(ByteBuf body);
    }

    final FrameType okType;
    final CompletableFuture<T> future;
    final long deadlineNanos;
    private final ByteBuf frame;
    private final Decoder<T> decoder;
    private final long extraWaitNanos;
    private boolean finished;

    ControlRequest(
            int requestId,
            FrameType okType,
            ByteBuf frame,
            Decoder<T> decoder,
            CompletableFuture<T> future,
            long deadlineNanos,
            long extraWaitNanos) {
        super(requestId);
        this.okType = okType;
        this.frame = frame;
        this.decoder = decoder;
        this.future = future;
        this.deadlineNanos = deadlineNanos;
        this.extraWaitNanos = extraWaitNanos;
    }

    @Override
    long extraWaitNanos() {
        return extraWaitNanos;
    }

    ByteBuf frameForWrite() {
        return frame.retainedDuplicate();
    }

    void succeed(ByteBuf body) {
        if (finished) {
            return;
        }
        T value;
        try {
            value = decoder.decode(body);
        } catch (ProtocolException e) {
            fail(ScaleSmallException.of(e));
            return;
        } catch (RuntimeException e) {
            fail(new ScaleSmallException(ErrorCode.INTERNAL_ERROR, "cannot decode the answer: " + e, e));
            return;
        }
        finished = true;
        frame.release();
        future.complete(value);
    }

    void fail(ScaleSmallException error) {
        if (finished) {
            return;
        }
        finished = true;
        frame.release();
        future.completeExceptionally(error);
    }
}
