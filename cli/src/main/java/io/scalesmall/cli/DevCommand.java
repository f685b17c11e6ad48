package io.scalesmall.cli;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scalesmall dev}: a local cluster of three node processes, with data under
 * ./scalesmall-data, for trying things out, killing a node included. Node {@code i} (from 0)
 * uses client port {@code port + 10 i}, admin HTTP port {@code http-port + 10 i} and cluster port
 * {@code port + 10 i + 2}; the others join through the first. Each node is a child JVM running
 * {@code scalesmall node}; its output is prefixed with its number, it stops when dev stops (or
 * dies), and dev prints how to restart one that was killed. {@code --in-process} runs the nodes
 * inside this JVM instead.
 */
@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description = "Start a local cluster (3 node processes) with data under ./scalesmall-data.")
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

    @Option(names = "--in-process", description = "Run every node inside this one JVM instead of one process per node.")
    boolean inProcess;

    @Option(
            names = "--node-java-opts",
            description = "JVM options of each node process (default: ${DEFAULT-VALUE}).",
            defaultValue = "-Xmx1g")
    String nodeJavaOpts;

    /** Set once dev is stopping, so the nodes it stops are not reported as lost. */
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 9) {
            System.err.println("--nodes must be between 1 and 9");
            return 2;
        }
        List<String> started = inProcess ? startInProcess() : startProcesses();
        if (started == null) {
            return 1;
        }
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < nodes; i++) {
            servers.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clientPort(i));
        }
        String server = servers.toString();
        System.out.println();
        System.out.println("ScaleSmall dev cluster of " + nodes + " nodes is up:");
        started.forEach(line -> System.out.println("  " + line));
        System.out.println("Dashboard: http://127.0.0.1:" + httpPort + "/");
        System.out.println("In another terminal:");
        System.out.println("  ./scalesmall members --server " + server);
        System.out.println("  ./scalesmall publish --server " + server + " --stream demo --count 1000 --size 100");
        System.out.println("  echo hello | ./scalesmall publish --server " + server + " --stream demo");
        System.out.println(
                "  ./scalesmall consume --server " + server + " --stream demo --from beginning --idle-timeout-ms 2000");
        System.out.println("  ./scalesmall bench --server " + server);
        System.out.println("  curl http://127.0.0.1:" + httpPort + "/metrics");
        System.out.println("Press Ctrl-C to stop.");
        System.out.flush();
        new CountDownLatch(1).await(); // until the shutdown hook ends the JVM
        return 0;
    }

    private int clientPort(int i) {
        return port + 10 * i;
    }

    private int clusterPort(int i) {
        return port + 10 * i + 2;
    }

    /** The {@code node} arguments of node {@code i}, as a user would type them to restart it. */
    private List<String> nodeArgs(int i) {
        List<String> args = new ArrayList<>(List.of(
                "node",
                "--data",
                data.resolve("node-" + (i + 1)).toString(),
                "--port",
                Integer.toString(clientPort(i)),
                "--http-port",
                Integer.toString(httpPort + 10 * i),
                "--cluster-port",
                Integer.toString(clusterPort(i))));
        if (i > 0) {
            args.addAll(List.of("--join", "127.0.0.1:" + clusterPort(0)));
        }
        return args;
    }

    /** Starts one child JVM per node, each after the previous one listens; null when one fails. */
    private List<String> startProcesses() throws Exception {
        List<Process> children = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopChildren(children), "scalesmall-shutdown"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            for (String opt : nodeJavaOpts.trim().split("\\s+")) {
                if (!opt.isEmpty()) {
                    cmd.add(opt);
                }
            }
            cmd.addAll(List.of("-cp", classPath, Main.class.getName()));
            cmd.addAll(nodeArgs(i));
            cmd.addAll(List.of(
                    "--parent-pid", Long.toString(ProcessHandle.current().pid())));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            synchronized (children) {
                children.add(child);
            }
            CountDownLatch listening = new CountDownLatch(1);
            int number = i + 1;
            Thread pump = new Thread(() -> pump(number, child, listening), "node-" + number + "-output");
            pump.setDaemon(true);
            pump.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!listening.await(100, TimeUnit.MILLISECONDS)) {
                if (!child.isAlive()) {
                    System.err.println("node " + number + " exited with " + child.exitValue() + " while starting");
                    return null;
                }
                if (System.nanoTime() > deadline) {
                    System.err.println("node " + number + " did not start within 2 minutes; stopping");
                    return null;
                }
            }
            lines.add("node " + number + ": pid " + child.pid() + ", client 127.0.0.1:" + clientPort(i) + ", http "
                    + "127.0.0.1:" + (httpPort + 10 * i) + ", data in "
                    + data.resolve("node-" + number).toAbsolutePath().normalize());
            watch(number, child);
        }
        lines.add("kill -9 a node's pid to see the others carry on; dev prints how to restart it.");
        return lines;
    }

    /** Copies a child's output lines to ours with its number in front; counts down on "listening on". */
    private static void pump(int number, Process child, CountDownLatch listening) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println("[node " + number + "] " + line);
                if (line.contains("listening on")) {
                    listening.countDown();
                }
            }
        } catch (IOException e) {
            // the child is gone; watch() reports it
        }
    }

    /** Reports a child that ends while dev runs, with the command that restarts it. */
    private void watch(int number, Process child) {
        child.onExit().thenAccept(p -> {
            if (stopping) {
                return;
            }
            System.out.println("node " + number + " (pid " + p.pid() + ") exited with " + p.exitValue()
                    + "; the others carry on. Restart it with:");
            System.out.println("  ./scalesmall " + String.join(" ", nodeArgs(number - 1)));
            System.out.flush();
        });
    }

    private void stopChildren(List<Process> children) {
        stopping = true;
        List<Process> all;
        synchronized (children) {
            all = new ArrayList<>(children);
        }
        all.forEach(Process::destroy);
        for (Process p : all) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        System.out.println("stopped");
        System.out.flush();
    }

    private List<String> startInProcess() throws Exception {
        List<Node> started = new ArrayList<>();
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
                        },
                        "scalesmall-shutdown"));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            // As a node process would: SCALESMALL_* settings, under dev's own ports and paths.
            Properties p = new Properties();
            p.putAll(NodeConfig.fromEnvironment(System.getenv()));
            p.remove("port"); // dev's, as --port is for a node process
            p.setProperty("http.port", Integer.toString(httpPort + 10 * i));
            p.setProperty("cluster.port", Integer.toString(clusterPort(i)));
            if (i > 0) {
                p.setProperty("cluster.join", "127.0.0.1:" + clusterPort(0));
            }
            NodeConfig cfg = NodeConfig.defaults(data.resolve("node-" + (i + 1)), "127.0.0.1", clientPort(i))
                    .with(p);
            Node node = Node.start(cfg);
            synchronized (started) {
                started.add(node);
            }
            lines.add("node " + (i + 1) + " " + node.nodeId() + ": client 127.0.0.1:"
                    + node.address().getPort() + ", http 127.0.0.1:"
                    + node.httpAddress().getPort()
                    + ", cluster 127.0.0.1:" + node.cluster().port() + ", data in "
                    + cfg.dataDir().toAbsolutePath().normalize());
        }
        return lines;
    }
}
