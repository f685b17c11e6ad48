package io.scalesmall.client;

/**
 * Exponential backoff: the first delay, then doubling on each further failure, capped.
 *
 * <p>Not thread-safe; owned by one thread.
 */
final class Backoff {
    private final long initialMs;
    private final long maxMs;
    private int failures;

    Backoff(long initialMs, long maxMs) {
        this.initialMs = initialMs;
        this.maxMs = maxMs;
    }

    /** The delay before the next attempt; each call counts one more failure. */
    long nextDelayMs() {
        long delay = initialMs << Math.min(failures, 20);
        failures++;
        return Math.min(delay, maxMs);
    }

    /** Forgets the failures after a success. */
    void reset() {
        failures = 0;
    }
}
