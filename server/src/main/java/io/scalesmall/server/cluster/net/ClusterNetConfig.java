package io.scalesmall.server.cluster.net;

import io.scalesmall.server.cluster.ClusterConfig;
import io.scalesmall.server.cluster.Endpoint;
import java.nio.file.Path;
import java.util.List;

/**
 * A node's cluster-plane settings: where it listens, how others reach it, whom it joins through,
 * the key that signs its messages, and the protocol timings.
 *
 * @param host address to bind, or null for the client listener's
 * @param port UDP and TCP port; -1 for the client port + 2 (an ephemeral port when the client
 *     port is ephemeral); + 2 because examples put the admin HTTP port at + 1
 * @param advertisedHost the host other nodes use to reach this one, or null for the client
 *     listener's advertised host
 * @param seeds cluster endpoints to join through ({@code --join}); empty for the first node
 * @param keyFile the cluster key file ({@code --cluster-key-file}), or null for the well-known
 *     development key
 * @param zone failure zone, or the empty string
 * @param protocol timings and bounds of the protocol
 */
public record ClusterNetConfig(
        String host,
        int port,
        String advertisedHost,
        List<Endpoint> seeds,
        Path keyFile,
        String zone,
        ClusterConfig protocol) {
    public ClusterNetConfig {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("cluster.port out of range: " + port);
        }
        seeds = List.copyOf(seeds);
        zone = zone == null ? "" : zone;
    }

    /** The defaults: client port + 2, no seeds, the development key, no zone. */
    public static ClusterNetConfig defaults() {
        return new ClusterNetConfig(null, -1, null, List.of(), null, "", ClusterConfig.defaults());
    }

    /** The port to bind given the client listener's port. */
    public int portFor(int clientPort) {
        if (port >= 0) {
            return port;
        }
        return clientPort == 0 ? 0 : clientPort + 2;
    }
}
