package io.scalesmall.client;

/**
 * A running subscription to a stream, created by {@link ScaleSmallClient#subscribe}. Messages go
 * to its {@link MessageHandler} on a dedicated delivery thread. If the connection drops, the
 * subscription reconnects (to the next server after a backoff) and resumes just after the last
 * delivered message, with no loss and no repeats.
 *
 * <p>Thread-safe.
 */
public interface Subscription extends AutoCloseable {
    /**
     * The stream.
     *
     * @return the stream name
     */
    String stream();

    /**
     * The cursor token just after the last delivered message: on the delivery thread (inside the
     * handler), exact; from another thread, as of the last fully delivered frame, and exact once
     * {@link #close()} has returned. Before the server has sent anything for a range, the cursor
     * names that range's beginning (or the cursor the subscription started from), whatever the
     * subscription's start.
     *
     * @return the cursor token
     */
    String cursor();

    /**
     * Whether the subscription has ended, by {@link #close()} or by an error.
     *
     * @return true when ended
     */
    boolean isClosed();

    /**
     * Unsubscribes, closes the connection and stops the delivery thread. Called outside the
     * handler, waits until the handler has returned from its current message, so that no message
     * is delivered after this returns. Idempotent.
     */
    @Override
    void close();
}
