package io.scalesmall.cli;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall dev}: a local cluster of three nodes in one process, with data under
 * ./scalesmall-data, for trying things out. Node {@code i} (from 0) uses client port {@code
 * port + 10 i}, admin HTTP port {@code http-port + 10 i} and cluster port {@code port + 10 i + 2};
 * the others join through the first.
 */
@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description = "Start a local cluster (3 nodes, one process) with data under ./scalesmall-data.")
final class DevCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            description = "Data directory; node i keeps its data in node-i under it (default: ${DEFAULT-VALUE}).",
            defaultValue = "scalesmall-data")
    Path data;

    @Option(
            names = "--port",
            description = "Client port of the first node (default: ${DEFAULT-VALUE}).",
            defaultValue = "7070")
    int port;

    @Option(
            names = "--http-port",
            description = "Admin HTTP port of the first node (default: ${DEFAULT-VALUE}).",
            defaultValue = "7071")
    int httpPort;

    @Option(names = "--nodes", description = "Number of nodes (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int nodes;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 9) {
            System.err.println("--nodes must be between 1 and 9");
            return 2;
        }
        List<Node> started = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            synchronized (started) {
                                for (int i = started.size() - 1; i >= 0; i--) {
                                    started.get(i).close();
                                }
                            }
                            System.out.println("stopped");
                            System.out.flush();
                            stopped.countDown();
                        },
                        "scalesmall-shutdown"));
        String seed = "127.0.0.1:" + (port + 2);
        for (int i = 0; i < nodes; i++) {
            Properties p = new Properties();
            p.setProperty("http.port", Integer.toString(httpPort + 10 * i));
            p.setProperty("cluster.port", Integer.toString(port + 10 * i + 2));
            if (i > 0) {
                p.setProperty("cluster.join", seed);
            }
            NodeConfig cfg = NodeConfig.defaults(data.resolve("node-" + (i + 1)), "127.0.0.1", port + 10 * i)
                    .with(p);
            Node node = Node.start(cfg);
            synchronized (started) {
                started.add(node);
            }
            System.out.println("node " + (i + 1) + " " + node.nodeId() + ": client 127.0.0.1:"
                    + node.address().getPort() + ", http 127.0.0.1:"
                    + node.httpAddress().getPort()
                    + ", cluster 127.0.0.1:" + node.cluster().port() + ", data in "
                    + cfg.dataDir().toAbsolutePath().normalize());
        }
        String server = "127.0.0.1:" + port;
        System.out.println();
        System.out.println("ScaleSmall dev cluster of " + nodes + " nodes is up. In another terminal:");
        System.out.println("  ./scalesmall members --server " + server);
        System.out.println("  ./scalesmall publish --server " + server + " --stream demo --count 1000 --size 100");
        System.out.println("  echo hello | ./scalesmall publish --server " + server + " --stream demo");
        System.out.println(
                "  ./scalesmall consume --server " + server + " --stream demo --from beginning --idle-timeout-ms 2000");
        System.out.println("  ./scalesmall bench --server " + server);
        System.out.println("  curl http://127.0.0.1:" + httpPort + "/metrics");
        System.out.println("Press Ctrl-C to stop.");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
