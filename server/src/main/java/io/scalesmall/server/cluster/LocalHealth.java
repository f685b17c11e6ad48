package io.scalesmall.server.cluster;

/**
 * Lifeguard's local health multiplier: a score from 0 (healthy) to a ceiling that rises when this
 * node sees signs that it is itself the slow one — probes that fail although helpers did not
 * answer with nacks, suspicions about itself it had to refute, timers that fire late — and falls
 * with every probe that succeeds. Timeouts of this node are stretched by {@code 1 + score}, so a
 * starved node accuses others more slowly. Not thread-safe.
 */
final class LocalHealth {
    private final int max;
    private int score;

    LocalHealth(int max) {
        this.max = max;
    }

    void worse() {
        score = Math.min(max, score + 1);
    }

    void better() {
        score = Math.max(0, score - 1);
    }

    int score() {
        return score;
    }

    /** {@code timeoutMs} stretched by the current score. */
    long scale(long timeoutMs) {
        return timeoutMs * (1 + score);
    }
}
