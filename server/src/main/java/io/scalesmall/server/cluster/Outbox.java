package io.scalesmall.server.cluster;

/**
 * Where the sans-IO protocol puts the messages it wants sent. The real node encodes and sends
 * them (UDP when they fit a datagram, TCP otherwise); the simulator delivers them through its
 * simulated network. Called on the protocol's own thread; must not block.
 */
@FunctionalInterface
public interface Outbox {
    /** Sends {@code message} to {@code to}; delivery is best effort. */
    void send(Endpoint to, ClusterMessage message);

    /**
     * True when this outbox can send one datagram to every node of the local network (UDP
     * multicast, off by default); the protocol then multicasts the first hop of every broadcast it
     * originates.
     */
    default boolean multicasts() {
        return false;
    }

    /**
     * Sends {@code message} to every node of the local network, best effort; receivers hand it to
     * {@link ClusterProtocol#onMulticast}. Only called when {@link #multicasts()} is true.
     */
    default void multicast(ClusterMessage message) {
        throw new UnsupportedOperationException("this outbox does not multicast");
    }
}
