package io.scalesmall.client;

/**
 * Something the {@link Sender} sends and waits an answer for: a batch or a control request. The
 * request id is fixed for life, so a resent batch carries the same bytes.
 *
 * <p>Owned by the sender's event loop once handed to it.
 */
abstract class Request {
    final int requestId;

    /** Whether the request is on the wire of the current connection, awaiting its answer. */
    boolean outstanding;

    /** When it was last written, from the client's nano clock. */
    long sentNanos;

    Request(int requestId) {
        this.requestId = requestId;
    }

    /** How long past the request timeout the server may legitimately take (a fetch's wait). */
    long extraWaitNanos() {
        return 0;
    }
}
