package io.scalesmall.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real node process started from the built jar, for multi-process tests: started, killed with
 * SIGKILL, stopped with SIGTERM, always by its own PID. Its output goes to a log file that
 * {@link #log()} returns for failure messages.
 */
final class NodeProcess implements AutoCloseable {
    private final Path dataDir;
    private final String host;
    private final int port;
    private final Path logFile;
    private final List<String> extraArgs;
    private List<String> commandPrefix = List.of();
    private Process process;
    private int starts;

    NodeProcess(Path dataDir, int port, String... extraArgs) {
        this(dataDir, "127.0.0.1", port, extraArgs);
    }

    /** A node bound to {@code host} (any 127.0.0.x works on Linux loopback). */
    NodeProcess(Path dataDir, String host, int port, String... extraArgs) {
        this.dataDir = dataDir;
        this.host = host;
        this.port = port;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.extraArgs = List.of(extraArgs);
    }

    /**
     * Runs the node inside network namespace {@code namespace} ({@code ip netns exec}, which execs,
     * so the PID is still the JVM's). Call before {@link #start}.
     */
    NodeProcess inNetworkNamespace(String namespace) {
        this.commandPrefix = List.of("ip", "netns", "exec", namespace);
        return this;
    }

    /** A port that was free a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path jar() {
        Path jar = Path.of("target", "scalesmall.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("run after 'package': " + jar.toAbsolutePath() + " is missing");
        }
        return jar;
    }

    String address() {
        return host + ":" + port;
    }

    long pid() {
        return process.pid();
    }

    /** Starts the node and waits until it prints that it is listening. */
    void start() throws IOException {
        List<String> cmd = new ArrayList<>(commandPrefix);
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-jar",
                jar().toAbsolutePath().toString(),
                "node",
                "--data",
                dataDir.toString(),
                "--host",
                host,
                "--port",
                Integer.toString(port)));
        cmd.addAll(extraArgs);
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        starts++;
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("node exited with " + process.exitValue() + ":\n" + log());
                    }
                    String text = Files.readString(logFile, StandardCharsets.UTF_8);
                    return text.length() > logStart
                            && text.substring((int) logStart).contains("listening on");
                });
    }

    /** SIGKILL by PID, then waits for the process to be gone. */
    void kill9() throws InterruptedException {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM by PID; returns the exit code (SIGKILL after 30 s). */
    int stop() throws InterruptedException {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    /** SIGSTOP (pause) or SIGCONT (resume) by PID. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    int starts() {
        return starts;
    }

    String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (isAlive()) {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
