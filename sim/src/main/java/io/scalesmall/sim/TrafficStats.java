package io.scalesmall.sim;

import io.scalesmall.server.cluster.ClusterMessage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Message and byte counters: per node, per message type, over the whole run and over the steady
 * window, and per broadcast (hand-offs, acks, depth). Node-seconds are integrated over the nodes
 * that are up, so "per node per second" stays right while nodes come and go. Not thread-safe.
 */
final class TrafficStats {
    final long[] sentMessagesByNode;
    final long[] sentBytesByNode;
    final long[] receivedMessagesByNode;
    final long[] receivedBytesByNode;
    final long[] messagesByType = new long[MessageSizes.TYPE_NAMES.length];
    final long[] bytesByType = new long[MessageSizes.TYPE_NAMES.length];
    long sentMessages;
    long sentBytes;

    /** Up nodes times microseconds, integrated. */
    private double nodeUs;

    private int upNodes;
    private long lastChangeUs;

    /** Per broadcast id: {hand-offs, acks, up nodes when first sent, deepest hop}. Insertion order. */
    final Map<Long, long[]> broadcasts = new LinkedHashMap<>();

    int deepestHop;

    private long[] windowStart;
    private long[] windowEnd;

    TrafficStats(int nodes) {
        sentMessagesByNode = new long[nodes];
        sentBytesByNode = new long[nodes];
        receivedMessagesByNode = new long[nodes];
        receivedBytesByNode = new long[nodes];
    }

    void sent(SimNode from, ClusterMessage message, int bytes) {
        sentMessagesByNode[from.index]++;
        sentBytesByNode[from.index] += bytes;
        sentMessages++;
        sentBytes += bytes;
        int type = MessageSizes.typeIndex(message);
        messagesByType[type]++;
        bytesByType[type] += bytes;
        if (message instanceof ClusterMessage.Broadcast b) {
            long[] stat = broadcasts.computeIfAbsent(b.broadcastId(), id -> new long[] {0, 0, upNodes, 0});
            stat[0]++;
            stat[3] = Math.max(stat[3], b.hops());
            deepestHop = Math.max(deepestHop, b.hops());
        } else if (message instanceof ClusterMessage.BroadcastAck a) {
            long[] stat = broadcasts.computeIfAbsent(a.broadcastId(), id -> new long[] {0, 0, upNodes, 0});
            stat[1]++;
        }
    }

    void received(SimNode to, int bytes) {
        receivedMessagesByNode[to.index]++;
        receivedBytesByNode[to.index] += bytes;
    }

    void upNodesChanged(long nowUs, int newUpNodes) {
        advance(nowUs);
        upNodes = newUpNodes;
    }

    void advance(long nowUs) {
        nodeUs += (double) upNodes * (nowUs - lastChangeUs);
        lastChangeUs = nowUs;
    }

    double nodeSeconds() {
        return nodeUs / 1e6;
    }

    /** Snapshot at the start of the steady window. */
    void markWindowStart(long nowUs) {
        advance(nowUs);
        windowStart = new long[] {sentMessages, sentBytes, Double.doubleToLongBits(nodeUs), nowUs};
    }

    /** Snapshot at the end of the steady window. */
    void markWindowEnd(long nowUs) {
        advance(nowUs);
        windowEnd = new long[] {sentMessages, sentBytes, Double.doubleToLongBits(nodeUs), nowUs};
    }

    boolean hasWindow() {
        return windowStart != null && windowEnd != null;
    }

    /** Messages per node per second in the steady window. */
    double windowMessagesPerNodeSecond() {
        return (windowEnd[0] - windowStart[0]) / windowNodeSeconds();
    }

    /** Bytes per node per second in the steady window. */
    double windowBytesPerNodeSecond() {
        return (windowEnd[1] - windowStart[1]) / windowNodeSeconds();
    }

    double windowStartS() {
        return windowStart[3] / 1e6;
    }

    double windowEndS() {
        return windowEnd[3] / 1e6;
    }

    private double windowNodeSeconds() {
        return (Double.longBitsToDouble(windowEnd[2]) - Double.longBitsToDouble(windowStart[2])) / 1e6;
    }
}
