package io.scalesmall.client;

import io.scalesmall.protocol.ErrorCode;

/**
 * A publish could not get room within {@link ClientConfig#maxBlockMs()}: the bytes of messages
 * published but not yet acknowledged stayed above {@link ClientConfig#maxInFlightBytes()}. The
 * message was not sent. Its code is {@link ErrorCode#BUSY}: retry later or slow down.
 *
 * <p>Immutable; thread-safe.
 */
public class BufferFullException extends ScaleSmallException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param detail why there was no room
     */
    public BufferFullException(String detail) {
        super(ErrorCode.BUSY, detail);
    }
}
