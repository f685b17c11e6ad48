/**
 * The cluster plane: membership, failure detection, broadcast, anti-entropy and the cluster-state
 * CRDT. The protocol classes are sans-IO: they take the time and an incoming message and hand
 * messages to an {@link io.scalesmall.server.cluster.Outbox}; they never read a clock, create a
 * random source or touch a socket, so the simulator runs the very same code as the node. The
 * Netty transport that drives them in a real node lives in {@code cluster.net}.
 *
 * <p>Must not depend on {@code api}, {@code replication} or {@code storage}.
 */
package io.scalesmall.server.cluster;
