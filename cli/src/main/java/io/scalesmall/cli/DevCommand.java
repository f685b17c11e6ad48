package io.scalesmall.cli;

import io.scalesmall.server.NodeConfig;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scalesmall dev}: a local node with data under ./scalesmall-data, for trying things out. */
@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description = "Start a local node with data under ./scalesmall-data and print how to use it.")
final class DevCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            description = "Data directory (default: ${DEFAULT-VALUE}).",
            defaultValue = "scalesmall-data")
    Path data;

    @Option(names = "--port", description = "Client port (default: ${DEFAULT-VALUE}).", defaultValue = "7070")
    int port;

    @Option(names = "--http-port", description = "Admin HTTP port (default: ${DEFAULT-VALUE}).", defaultValue = "7071")
    int httpPort;

    @Override
    public Integer call() throws Exception {
        Properties p = new Properties();
        p.setProperty("http.port", Integer.toString(httpPort));
        NodeConfig cfg = NodeConfig.defaults(data, "127.0.0.1", port).with(p);
        String server = "127.0.0.1:" + port;
        return NodeCommand.runUntilStopped(cfg, () -> {
            System.out.println();
            System.out.println("ScaleSmall dev node is up. In another terminal:");
            System.out.println("  ./scalesmall publish --server " + server + " --stream demo --count 1000 --size 100");
            System.out.println("  echo hello | ./scalesmall publish --server " + server + " --stream demo");
            System.out.println("  ./scalesmall consume --server " + server
                    + " --stream demo --from beginning --idle-timeout-ms 2000");
            System.out.println("  ./scalesmall bench --server " + server);
            System.out.println("  curl http://127.0.0.1:" + httpPort + "/metrics");
            System.out.println("Press Ctrl-C to stop.");
            System.out.flush();
        });
    }
}
