package io.scalesmall.server;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterListener;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's reaction to changes of its cluster view: one log line per event a human cares about
 * (a member joined, is suspected, died, left, came back), never one per message; and its own
 * incarnation made durable whenever it rises. Runs on the cluster thread.
 */
final class ClusterLog implements ClusterListener {
    private static final Logger LOG = Logger.getLogger("io.scalesmall.cluster");

    private final NodeId self;
    private final IncarnationFile incarnation;

    ClusterLog(NodeId self, IncarnationFile incarnation) {
        this.self = self;
        this.incarnation = incarnation;
    }

    @Override
    public void memberChanged(MemberEntry previous, MemberEntry current) {
        if (current.id().equals(self)) {
            try {
                incarnation.raise(current.incarnation());
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "a restart could reuse an incarnation", e);
            }
            if (previous != null && current.incarnation() > previous.incarnation()) {
                if (!previous.metadata().equals(current.metadata())) {
                    LOG.info("announced this node's new metadata (disk capacity "
                            + current.metadata().diskBytes() + " bytes) under incarnation " + current.incarnation());
                } else {
                    LOG.info("refuted news of this node's failure: now incarnation " + current.incarnation());
                }
            }
            return;
        }
        MemberStatus before = previous == null ? null : previous.status();
        if (before == current.status() && previous.incarnation() == current.incarnation()) {
            return;
        }
        String who = "member " + current.id() + " (" + current.metadata().clusterEndpoint() + ", incarnation "
                + current.incarnation() + ")";
        switch (current.status()) {
            case ALIVE -> LOG.info(who + (before == null || before.isTombstone() ? " joined" : " is alive"));
            case SUSPECT -> LOG.info(who + " is suspected of failure");
            case DEAD -> LOG.warning(who + " is dead");
            case LEFT -> LOG.info(who + " left");
        }
    }

    @Override
    public void memberRemoved(NodeId id) {
        LOG.fine("forgot member " + id + " (tombstone expired)");
    }
}
