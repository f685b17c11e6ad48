package io.scalesmall.bench;

import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A node in this JVM with its data in a fresh temporary directory, removed on {@link #close}: what
 * {@code scalesmall bench} runs against when no server is given. Not thread-safe.
 */
public final class TemporaryNode implements AutoCloseable {
    private final Path dataDir;
    private final Node node;

    private TemporaryNode(Path dataDir, Node node) {
        this.dataDir = dataDir;
        this.node = node;
    }

    /** Starts a node with default settings on a free loopback port. */
    public static TemporaryNode start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("scalesmall-bench");
        try {
            return new TemporaryNode(dir, Node.start(NodeConfig.defaults(dir, "127.0.0.1", 0)));
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** {@code host:port} of the node. */
    public String address() {
        return "127.0.0.1:" + node.address().getPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the node and deletes its data. */
    @Override
    public void close() throws IOException {
        node.close();
        deleteTree(dataDir);
    }

    /** Deletes a directory and everything under it. */
    public static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
