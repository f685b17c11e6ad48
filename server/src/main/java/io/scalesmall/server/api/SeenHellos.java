package io.scalesmall.server.api;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The peer hellos a node took lately, by MAC, so that it takes each one once: a hello recorded off
 * the wire cannot open a second connection. A hello is valid only within {@code maxSkewMs} of the
 * receiver's clock, so one taken at time t can be replayed only until t + 2 × maxSkewMs; it is
 * remembered that long. At most {@link #MAX_REMEMBERED} are kept (the oldest go first): only
 * hellos that verified under the cluster key are remembered, so only a cluster member could fill
 * it.
 *
 * <p>Thread-safe.
 */
final class SeenHellos {
    /** Most hellos remembered: far more than a cluster's nodes open in two minutes. */
    static final int MAX_REMEMBERED = 100_000;

    private final long rememberMs;
    private final Map<ByteBuffer, Long> seen = new LinkedHashMap<>();

    SeenHellos(long maxSkewMs) {
        this.rememberMs = 2 * maxSkewMs;
    }

    /** True the first time {@code mac} is offered within the window; false for a replay. */
    synchronized boolean firstTime(byte[] mac, long nowMs) {
        for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
            long at = it.next();
            if (nowMs - at < rememberMs && seen.size() < MAX_REMEMBERED) {
                break; // arrival order: the rest are newer
            }
            it.remove();
        }
        return seen.putIfAbsent(ByteBuffer.wrap(mac.clone()), nowMs) == null;
    }

    synchronized int size() {
        return seen.size();
    }
}
