package io.scalesmall.sim;

import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.net.ClusterCodec;

/** Bytes a cluster message takes on the wire, as the real transport's codec encodes it. */
final class MessageSizes {
    private MessageSizes() {}

    /** Message types, indexed as {@link #typeIndex} numbers them. */
    static final String[] TYPE_NAMES = {
        "Ping",
        "Ack",
        "PingReq",
        "Nack",
        "Broadcast",
        "BroadcastAck",
        "SyncDigest",
        "SyncBuckets",
        "SyncEntries",
        "Join",
        "JoinReply"
    };

    static int encodedSize(ClusterMessage message) {
        return ClusterCodec.encodedSize(message);
    }

    static int typeIndex(ClusterMessage m) {
        if (m instanceof ClusterMessage.Ping) {
            return 0;
        } else if (m instanceof ClusterMessage.Ack) {
            return 1;
        } else if (m instanceof ClusterMessage.PingReq) {
            return 2;
        } else if (m instanceof ClusterMessage.Nack) {
            return 3;
        } else if (m instanceof ClusterMessage.Broadcast) {
            return 4;
        } else if (m instanceof ClusterMessage.BroadcastAck) {
            return 5;
        } else if (m instanceof ClusterMessage.SyncDigest) {
            return 6;
        } else if (m instanceof ClusterMessage.SyncBuckets) {
            return 7;
        } else if (m instanceof ClusterMessage.SyncEntries) {
            return 8;
        } else if (m instanceof ClusterMessage.Join) {
            return 9;
        } else {
            return 10;
        }
    }
}
