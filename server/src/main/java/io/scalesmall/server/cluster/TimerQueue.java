package io.scalesmall.server.cluster;

import java.util.PriorityQueue;

/**
 * The protocol's timers: actions ordered by deadline, ties broken by the order they were set, so
 * a run is deterministic. Not thread-safe; the protocol's thread owns it.
 */
final class TimerQueue {
    /** A set timer; {@link #cancel} makes it never run. */
    static final class Timer {
        private final long deadlineMs;
        private final long sequence;
        private final Runnable action;
        private boolean cancelled;

        private Timer(long deadlineMs, long sequence, Runnable action) {
            this.deadlineMs = deadlineMs;
            this.sequence = sequence;
            this.action = action;
        }

        void cancel() {
            cancelled = true;
        }

        long deadlineMs() {
            return deadlineMs;
        }
    }

    private final PriorityQueue<Timer> queue = new PriorityQueue<>((a, b) -> {
        int c = Long.compare(a.deadlineMs, b.deadlineMs);
        return c != 0 ? c : Long.compare(a.sequence, b.sequence);
    });
    private long nextSequence;

    Timer schedule(long deadlineMs, Runnable action) {
        Timer timer = new Timer(deadlineMs, nextSequence++, action);
        queue.add(timer);
        return timer;
    }

    /** The earliest live deadline, or {@link Long#MAX_VALUE}. */
    long nextDeadlineMs() {
        Timer head;
        while ((head = queue.peek()) != null && head.cancelled) {
            queue.poll();
        }
        return head == null ? Long.MAX_VALUE : head.deadlineMs;
    }

    /**
     * Runs every timer due at {@code nowMs}, including those its actions set for no later than now.
     *
     * @return how late the first one ran, in ms, or -1 when none was due
     */
    long runDue(long nowMs) {
        long lateness = -1;
        while (nextDeadlineMs() <= nowMs) {
            Timer timer = queue.poll();
            if (lateness < 0) {
                lateness = nowMs - timer.deadlineMs;
            }
            timer.action.run();
        }
        return lateness;
    }
}
