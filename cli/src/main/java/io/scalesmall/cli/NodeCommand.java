package io.scalesmall.cli;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scalesmall node}: runs one node in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run one node in the foreground.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Data directory.")
    Path data;

    @Option(names = "--port", description = "Client port (default: ${DEFAULT-VALUE}).", defaultValue = "7070")
    int port;

    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1")
    String host;

    @Option(
            names = "--http-port",
            description = "Admin HTTP port for /health and /metrics (default: none).",
            defaultValue = "-1")
    int httpPort;

    @Option(names = "--config", description = "Properties file with node settings (see docs/OPERATIONS.md).")
    Path config;

    @Option(
            names = "--join",
            split = ",",
            paramLabel = "HOST:PORT",
            description = "Cluster port of one or more live nodes to join through (comma-separated).")
    List<String> join;

    @Option(names = "--cluster-port", description = "UDP and TCP port of the cluster plane (default: client port + 2).")
    Integer clusterPort;

    @Option(
            names = "--cluster-key-file",
            description =
                    "File holding the cluster key; re-read while running (a second line: a key only accepted, for rotation).")
    Path clusterKeyFile;

    @Option(
            names = "--cluster-multicast",
            paramLabel = "GROUP:PORT",
            description =
                    "Also multicast the first hop of cluster broadcasts to this IPv4 group on the LAN (off by default).")
    String clusterMulticast;

    @Option(names = "--zone", description = "Failure zone of this node (for example a rack or availability zone).")
    String zone;

    @Option(
            names = "--parent-pid",
            hidden = true,
            description = "Stop when the process with this PID ends (used by dev for its node processes).")
    Long parentPid;

    @Override
    public Integer call() throws Exception {
        NodeConfig cfg = NodeConfig.defaults(data, host, port);
        if (config != null) {
            cfg = cfg.with(NodeConfig.readProperties(config));
        }
        Properties flags = new Properties();
        flags.setProperty("host", host);
        flags.setProperty("port", Integer.toString(port));
        flags.setProperty("http.port", Integer.toString(httpPort));
        if (join != null) {
            flags.setProperty("cluster.join", String.join(",", join));
        }
        if (clusterPort != null) {
            flags.setProperty("cluster.port", Integer.toString(clusterPort));
        }
        if (clusterKeyFile != null) {
            flags.setProperty("cluster.key.file", clusterKeyFile.toString());
        }
        if (clusterMulticast != null) {
            flags.setProperty("cluster.multicast.group", clusterMulticast);
        }
        if (zone != null) {
            flags.setProperty("zone", zone);
        }
        cfg = cfg.with(flags);
        Runnable watchParent = parentPid == null
                ? null
                : () -> ProcessHandle.of(parentPid)
                        .ifPresentOrElse(
                                // A dev parent that dies (even by SIGKILL) takes its nodes along.
                                parent -> parent.onExit().thenRun(() -> System.exit(0)),
                                () -> System.exit(0));
        return runUntilStopped(cfg, watchParent);
    }

    /** Starts a node, prints where it listens, and blocks until the process is asked to stop. */
    static int runUntilStopped(NodeConfig cfg, Runnable afterStart) throws Exception {
        Node node = Node.start(cfg);
        // POST /admin/leave: once its data is handed off the node leaves, and the process ends.
        // Exit status 0 when everything was handed off, 1 when the hand-off timed out.
        // It answers /health (with the outcome) for two more seconds, for `scalesmall leave`.
        node.afterDrain(done -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(done ? 0 : 1);
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            node.close();
                            System.out.println("stopped");
                            System.out.flush();
                            stopped.countDown();
                        },
                        "scalesmall-shutdown"));
        String http = node.httpAddress() == null
                ? ""
                : " (http " + node.httpAddress().getHostString() + ":"
                        + node.httpAddress().getPort() + ")";
        System.out.println("node " + node.nodeId() + " listening on "
                + node.address().getHostString() + ":" + node.address().getPort() + http + ", cluster port "
                + node.cluster().port() + ", data in "
                + cfg.dataDir().toAbsolutePath().normalize());
        System.out.flush();
        if (afterStart != null) {
            afterStart.run();
        }
        stopped.await();
        return 0;
    }
}
