package io.scalesmall.server.cluster;

/**
 * What a member tells the cluster about itself. Written only by the member, under a new
 * incarnation whenever it changes.
 *
 * @param clusterEndpoint where this node's cluster plane listens (UDP and TCP on the same port)
 * @param clientEndpoint where clients connect
 * @param diskBytes capacity: bytes of disk this node offers for data
 * @param memoryBytes capacity: bytes of memory for recent batches
 * @param cores processor cores
 * @param zone failure zone, or the empty string when none is set
 */
public record NodeMetadata(
        Endpoint clusterEndpoint, Endpoint clientEndpoint, long diskBytes, long memoryBytes, int cores, String zone) {
    public NodeMetadata {
        if (clusterEndpoint == null || clientEndpoint == null) {
            throw new IllegalArgumentException("metadata needs both endpoints");
        }
        if (diskBytes < 0 || memoryBytes < 0 || cores < 0) {
            throw new IllegalArgumentException("capacity cannot be negative");
        }
        zone = zone == null ? "" : zone;
    }
}
