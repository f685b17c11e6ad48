package io.scalesmall.client;

/**
 * Receives the messages of a {@link Subscription}, one at a time, on the subscription's own
 * delivery thread.
 *
 * <p>Implementations are called from one thread only, so they need no synchronization of their
 * own state; they should not block for long, since a slow handler makes the server wait (the
 * subscription stops reading from its socket while its small frame queue is full).
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Handles one message. The {@link Message} is a view that the subscription reuses: it is valid
     * only during this call; copy what must outlive it ({@link Message#payload()}, {@link
     * Message#toReceivedMessage()}).
     *
     * <p>If this method throws, the subscription ends: {@link #onError} receives the failure and
     * {@link Subscription#cursor()} stays just before this message, so resubscribing from it
     * delivers the message again.
     *
     * @param message the message view
     */
    void onMessage(Message message);

    /**
     * Called once when the subscription ends because of an error it cannot recover from (the
     * server refused it, the handler threw). Not called when the subscription is closed. Runs on
     * the delivery thread. The default does nothing.
     *
     * @param error what ended the subscription
     */
    default void onError(ScaleSmallException error) {}
}
