/**
 * The node's on-disk storage: for every range, an append-only log of segment files holding stamped
 * batches exactly as {@link io.scalesmall.protocol.BatchFormat} lays them out.
 *
 * <p>Owns: segment files and their sparse index files, crash recovery (torn-tail truncation),
 * group commit (one fsync for every batch appended while the previous one ran, driven by {@link
 * io.scalesmall.server.storage.SyncAgent}), reads by log index and by time, and retention (which
 * segment to delete next when a stream's limits or the disk's high watermark are exceeded).
 *
 * <p>Knows batches only through their header; records stay opaque. Depends on the protocol module
 * and Netty buffers only; must not depend on {@code io.scalesmall.server.api}, {@code
 * io.scalesmall.server.replication}, {@code cluster} or {@code placement}: those call into storage,
 * never the other way round.
 */
package io.scalesmall.server.storage;
