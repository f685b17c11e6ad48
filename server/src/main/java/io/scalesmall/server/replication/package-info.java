/**
 * The write path of a range: the data agent that coordinates batches (idempotence, stamping with
 * coordinator, sequence and HLC time), appends them to the range logs, keeps recent batches in
 * memory, and acknowledges each publish when its durability policy holds. Forwarding to other
 * replicas plugs in here with clustering.
 *
 * <p>Depends on {@code storage} and {@code placement}; must not depend on {@code api}.
 */
package io.scalesmall.server.replication;
