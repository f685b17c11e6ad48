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
 * @param draining true while the node hands its data off before it leaves: it takes no new
 *     range, and the copies it holds are made on other nodes at once
 * @param adminEndpoint where the node's admin HTTP endpoint listens, or null when it has none; the
 *     dashboard of any node gathers the others' figures there
 */
public record NodeMetadata(
        Endpoint clusterEndpoint,
        Endpoint clientEndpoint,
        long diskBytes,
        long memoryBytes,
        int cores,
        String zone,
        boolean draining,
        Endpoint adminEndpoint) {
    /** Metadata of a node that is not draining and has no admin endpoint. */
    public NodeMetadata(
            Endpoint clusterEndpoint,
            Endpoint clientEndpoint,
            long diskBytes,
            long memoryBytes,
            int cores,
            String zone) {
        this(clusterEndpoint, clientEndpoint, diskBytes, memoryBytes, cores, zone, false, null);
    }

    /** These metadata with another disk capacity. */
    public NodeMetadata withDiskBytes(long newDiskBytes) {
        return new NodeMetadata(
                clusterEndpoint, clientEndpoint, newDiskBytes, memoryBytes, cores, zone, draining, adminEndpoint);
    }

    /** These metadata, draining. */
    public NodeMetadata asDraining() {
        return new NodeMetadata(
                clusterEndpoint, clientEndpoint, diskBytes, memoryBytes, cores, zone, true, adminEndpoint);
    }

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
