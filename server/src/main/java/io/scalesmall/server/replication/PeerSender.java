package io.scalesmall.server.replication;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.PullRequest;
import io.scalesmall.protocol.RangeDescriptor;

/**
 * Where the data agent puts frames for other nodes. Calls come from the data agent thread and
 * only queue; {@link #flush} sends what a burst queued, one write per peer. Delivery is best
 * effort: a peer that is unreachable or does not keep up loses frames, and repair (progress
 * reports and pulls) recovers what it missed.
 */
public interface PeerSender {
    /** Queues stored batches of {@code range} for {@code peer}; takes ownership of {@code batches}. */
    void replicate(NodeId peer, RangeDescriptor range, ByteBuf batches);

    /** Queues a progress report for {@code peer}. */
    void progress(NodeId peer, ProgressReport report);

    /** Queues a pull request for {@code peer}. */
    void pull(NodeId peer, PullRequest request);

    /** Sends everything queued since the last flush. */
    void flush();

    /** A sender for a node without peers: drops everything. */
    PeerSender NONE = new PeerSender() {
        @Override
        public void replicate(NodeId peer, RangeDescriptor range, ByteBuf batches) {
            batches.release();
        }

        @Override
        public void progress(NodeId peer, ProgressReport report) {}

        @Override
        public void pull(NodeId peer, PullRequest request) {}

        @Override
        public void flush() {}
    };
}
