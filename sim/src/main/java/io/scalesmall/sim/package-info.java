/**
 * The deterministic simulator of the cluster plane: virtual time, one seeded random source, a
 * simulated network (latency, jitter, loss, duplication, partitions) and node faults (crash,
 * restart, pause, slowness), driving thousands of real {@link
 * io.scalesmall.server.cluster.ClusterProtocol} instances in one thread and measuring
 * convergence, failure detection and traffic. See docs/SIMULATION.md.
 *
 * <p>Depends only on the server's {@code cluster} package (and its codec for byte counts); never
 * on a clock, a socket or an unseeded random source.
 */
package io.scalesmall.sim;
