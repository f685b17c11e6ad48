package io.scalesmall.server.replication;

/**
 * Names a range on this node.
 *
 * @param stream stream name
 * @param rangeId range id
 */
public record RangeKey(String stream, int rangeId) {
    @Override
    public String toString() {
        return stream + "/" + rangeId;
    }
}
