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
}
