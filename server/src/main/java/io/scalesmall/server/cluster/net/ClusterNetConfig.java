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
 * @param keyReloadMs how often the key file is re-read, so keys rotate without a restart
 * @param multicastGroup IPv4 multicast group (address and port) for the first hop of broadcasts on
 *     a LAN, or null (the default) for none
 * @param multicastInterface network interface to multicast on, or null for the one holding the
 *     bind address
 */
public record ClusterNetConfig(
        String host,
        int port,
        String advertisedHost,
        List<Endpoint> seeds,
        Path keyFile,
        String zone,
        ClusterConfig protocol,
        long keyReloadMs,
        Endpoint multicastGroup,
        String multicastInterface) {
    /** Default of {@link #keyReloadMs}. */
    public static final long DEFAULT_KEY_RELOAD_MS = 5_000;

    public ClusterNetConfig {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("cluster.port out of range: " + port);
        }
        if (keyReloadMs <= 0) {
            throw new IllegalArgumentException("cluster.key.reload.ms must be positive: " + keyReloadMs);
        }
        seeds = List.copyOf(seeds);
        zone = zone == null ? "" : zone;
    }

    /** The defaults: client port + 2, no seeds, the development key, no zone, no multicast. */
    public static ClusterNetConfig defaults() {
        return new ClusterNetConfig(
                null, -1, null, List.of(), null, "", ClusterConfig.defaults(), DEFAULT_KEY_RELOAD_MS, null, null);
    }

    /** The port to bind given the client listener's port. */
    public int portFor(int clientPort) {
        if (port >= 0) {
            return port;
        }
        return clientPort == 0 ? 0 : clientPort + 2;
    }
}
