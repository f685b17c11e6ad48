package io.scalesmall.server.replication;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.NodeId;

/**
 * A publish waiting until enough replicas hold its batch {@code (coordinator, seq)}: in memory per
 * their progress, on disk per their fsyncs. A retried publish waits on the batch stored the first
 * time, whoever coordinated it.
 *
 * @param coordinator the node that stamped the batch
 * @param seq its sequence
 * @param hlcTime its time, for the answer
 * @param duplicate whether the publish was a retry of a stored batch
 * @param policy the copies it needs
 * @param sink where its answer goes
 * @param requestId the request to answer
 * @param inFlightBytes bytes the connection may release once answered
 * @param deadlineMs when it fails with NOT_ENOUGH_REPLICAS
 * @param receivedNanos the sink's own arrival stamp, handed back with the answer
 * @param sealedRefusal null for a publish; for a batch a sealed range refused, the RANGE_SEALED
 *     message it is answered with once {@code (coordinator, seq)}, the refusal marker, meets the
 *     policy
 */
record PendingPublish(
        NodeId coordinator,
        long seq,
        long hlcTime,
        boolean duplicate,
        DurabilityPolicy policy,
        AckSink sink,
        int requestId,
        int inFlightBytes,
        long deadlineMs,
        long receivedNanos,
        String sealedRefusal) {}
