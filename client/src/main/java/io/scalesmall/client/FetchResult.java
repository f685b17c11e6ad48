package io.scalesmall.client;

import java.util.List;

/**
 * The answer to {@link ScaleSmallClient#fetch}: materialized messages and where to continue.
 *
 * <p>Immutable; thread-safe.
 *
 * @param messages the messages read, in range order; empty when nothing was available
 * @param nextCursor the cursor token just after the last message (or the start when none): pass
 *     it to {@link From#cursor(String)} to continue
 * @param truncated whether the requested start had been deleted by retention, so reading
 *     resumed at the oldest message still stored
 */
public record FetchResult(List<ReceivedMessage> messages, String nextCursor, boolean truncated) {
    /**
     * Copies the message list.
     *
     * @param messages the messages
     * @param nextCursor the cursor token after them
     * @param truncated whether retention cut the start
     */
    public FetchResult {
        messages = List.copyOf(messages);
    }
}
