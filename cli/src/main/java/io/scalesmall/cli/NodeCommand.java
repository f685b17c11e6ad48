package io.scalesmall.cli;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

    @Option(
            names = "--config",
            description = "Settings file: YAML (.yaml, .yml) or properties (keys in docs/OPERATIONS.md). Flags win"
                    + " over SCALESMALL_* environment variables, which win over the file.")
    Path config;

    @Spec
    CommandSpec spec;

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
        return runUntilStopped(settings(System.getenv()), watchParent());
    }

    /**
     * The node's settings: defaults, then the file, then {@code SCALESMALL_*} environment
     * variables, then the flags given on the command line (each wins over the ones before).
     *
     * @throws IllegalArgumentException naming an unknown key or a bad value
     */
    NodeConfig settings(java.util.Map<String, String> env) throws java.io.IOException {
        Properties merged = new Properties();
        if (config != null) {
            merged.putAll(NodeConfig.readProperties(config));
        }
        merged.putAll(NodeConfig.fromEnvironment(env));
        merged.putAll(flags());
        return NodeConfig.defaults(data, host, port).with(merged);
    }

    private boolean given(String option) {
        return spec != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The settings given as flags on this command line (not their defaults). */
    private Properties flags() {
        Properties flags = new Properties();
        if (given("--host")) {
            flags.setProperty("host", host);
        }
        if (given("--port")) {
            flags.setProperty("port", Integer.toString(port));
        }
        if (given("--http-port")) {
            flags.setProperty("http.port", Integer.toString(httpPort));
        }
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
        return flags;
    }

    private Runnable watchParent() {
        return parentPid == null
                ? null
                : () -> ProcessHandle.of(parentPid)
                        .ifPresentOrElse(
                                // A dev parent that dies (even by SIGKILL) takes its nodes along.
                                parent -> parent.onExit().thenRun(() -> System.exit(0)),
                                () -> System.exit(0));
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
