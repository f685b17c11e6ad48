package io.scalesmall.server.cluster;

/**
 * Timings and bounds of the cluster plane. Defaults suit a LAN; every value is a node setting
 * (docs/OPERATIONS.md).
 *
 * @param probeIntervalMs one direct probe per interval (SWIM protocol period)
 * @param probeTimeoutMs wait this long for a direct ack before asking helpers
 * @param indirectProbes helpers asked to probe on our behalf (SWIM k)
 * @param suspicionAlpha the shortest suspicion timeout is {@code alpha * max(1, log10 N) *
 *     probeIntervalMs}
 * @param suspicionBeta the longest suspicion timeout, with no confirmation, is {@code beta} times
 *     the shortest
 * @param suspicionConfirmations independent accusations after which the timeout is the shortest
 *     (Lifeguard K)
 * @param maxLocalHealth ceiling of the local health score; timeouts stretch by {@code 1 + score}
 * @param broadcastAckTimeoutMs a broadcast hand-off not acked in this time goes to another node
 * @param broadcastRetries further hand-offs tried for one half before leaving it to anti-entropy
 * @param syncIntervalMs push-pull anti-entropy with a random live member, once per interval
 * @param seedSyncEvery every this many sync intervals, sync with a seed (or a dead member) instead,
 *     so healed partitions merge
 * @param joinRetryMs a join not answered in this time is sent to the next seed
 * @param tombstoneTtlMs DEAD and LEFT entries are forgotten this long after their declaration
 * @param maxDatagramBytes the largest message meant for one UDP datagram; broadcasts are split to
 *     fit it
 */
public record ClusterConfig(
        long probeIntervalMs,
        long probeTimeoutMs,
        int indirectProbes,
        double suspicionAlpha,
        double suspicionBeta,
        int suspicionConfirmations,
        int maxLocalHealth,
        long broadcastAckTimeoutMs,
        int broadcastRetries,
        long syncIntervalMs,
        int seedSyncEvery,
        long joinRetryMs,
        long tombstoneTtlMs,
        int maxDatagramBytes) {

    /** The defaults. */
    public static ClusterConfig defaults() {
        return new ClusterConfig(1_000, 500, 3, 1.0, 2.0, 3, 8, 50, 3, 1_000, 10, 500, 3_600_000, 1_400);
    }

    public ClusterConfig {
        if (probeIntervalMs <= 0 || probeTimeoutMs <= 0 || probeTimeoutMs > probeIntervalMs) {
            throw new IllegalArgumentException("need 0 < probe timeout <= probe interval");
        }
        if (indirectProbes < 0 || suspicionConfirmations < 1 || maxLocalHealth < 0 || broadcastRetries < 0) {
            throw new IllegalArgumentException("counts cannot be negative");
        }
        if (suspicionAlpha <= 0 || suspicionBeta < 1) {
            throw new IllegalArgumentException("need suspicion alpha > 0 and beta >= 1");
        }
        if (broadcastAckTimeoutMs <= 0 || syncIntervalMs <= 0 || seedSyncEvery < 1 || joinRetryMs <= 0) {
            throw new IllegalArgumentException("intervals must be positive");
        }
        if (tombstoneTtlMs <= 0 || maxDatagramBytes < 256) {
            throw new IllegalArgumentException("need a positive tombstone ttl and a datagram of at least 256 bytes");
        }
    }

    /** A copy with another probe interval, timeout and sync interval (tests, simulator). */
    public ClusterConfig withProbing(long newProbeIntervalMs, long newProbeTimeoutMs, long newSyncIntervalMs) {
        return new ClusterConfig(
                newProbeIntervalMs,
                newProbeTimeoutMs,
                indirectProbes,
                suspicionAlpha,
                suspicionBeta,
                suspicionConfirmations,
                maxLocalHealth,
                broadcastAckTimeoutMs,
                broadcastRetries,
                newSyncIntervalMs,
                seedSyncEvery,
                joinRetryMs,
                tombstoneTtlMs,
                maxDatagramBytes);
    }
}
