package io.scalesmall.client;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the bytes of messages published but not yet acknowledged or failed: publishers take
 * permits for each message, a batch gives its messages' permits back when it completes. This is
 * what turns a producer faster than the server into a blocked producer instead of a growing heap.
 *
 * <p>Thread-safe.
 */
final class InFlightLimiter {
    private final Semaphore permits;

    InFlightLimiter(int maxBytes) {
        this.permits = new Semaphore(maxBytes);
    }

    /** Takes {@code bytes} if available now. */
    boolean tryAcquire(int bytes) {
        return permits.tryAcquire(bytes);
    }

    /** Takes {@code bytes}, waiting up to {@code timeoutMs}; false when they did not free up in time. */
    boolean acquire(int bytes, long timeoutMs) throws InterruptedException {
        return permits.tryAcquire(bytes, timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Gives back {@code bytes}. */
    void release(int bytes) {
        if (bytes > 0) {
            permits.release(bytes);
        }
    }

    /** Bytes free now. */
    int availableBytes() {
        return permits.availablePermits();
    }
}
