package io.scalesmall.server;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.admin.AdminServer;
import io.scalesmall.server.api.ClientServer;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.replication.DataAgent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One ScaleSmall node: wires the data directory, the stream catalog, the data agent (write path
 * and storage), the client listener and the admin HTTP endpoint, and stops them in the order that
 * loses nothing: stop accepting, fsync and answer what is pending, then close connections.
 *
 * <p>Thread-safe: {@link #close} may be called from a shutdown hook.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final NodeConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final NodeId nodeId;
    private final DataAgent agent;
    private final ClientServer server;
    private final AdminServer admin;
    private boolean closed;

    private Node(NodeConfig config) throws IOException, InterruptedException {
        this.config = config;
        Files.createDirectories(config.dataDir());
        lockChannel = FileChannel.open(
                config.dataDir().resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new IOException("data directory " + config.dataDir() + " is in use by another node");
        }
        boolean started = false;
        try {
            nodeId = loadOrCreateId(config.dataDir());
            StreamCatalog catalog = StreamCatalog.load(config.dataDir().resolve("streams"));
            agent = new DataAgent(config.agent(), nodeId, catalog, System::currentTimeMillis);
            agent.start();
            server = new ClientServer(config.api(), agent);
            server.start();
            admin = config.httpPort() >= 0 ? new AdminServer(config.httpHost(), config.httpPort(), this) : null;
            if (admin != null) {
                admin.start();
            }
            started = true;
        } finally {
            if (!started) {
                lock.release();
                lockChannel.close();
            }
        }
    }

    /** Starts a node; returns once it accepts clients. */
    public static Node start(NodeConfig config) throws IOException, InterruptedException {
        return new Node(config);
    }

    /** The client listener's address. */
    public InetSocketAddress address() {
        return server.boundAddress();
    }

    /** The admin HTTP address, or null when disabled. */
    public InetSocketAddress httpAddress() {
        return admin == null ? null : admin.boundAddress();
    }

    public NodeId nodeId() {
        return nodeId;
    }

    public NodeConfig config() {
        return config;
    }

    /** The data agent, for the admin endpoint. */
    public DataAgent agent() {
        return agent;
    }

    private static NodeId loadOrCreateId(Path dataDir) throws IOException {
        Path file = dataDir.resolve("node.id");
        if (Files.exists(file)) {
            return NodeId.parse(
                    Files.readString(file, StandardCharsets.US_ASCII).trim());
        }
        NodeId id = NodeId.random(new SecureRandom());
        Path tmp = dataDir.resolve("node.id.tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(StandardCharsets.US_ASCII.encode(id + "\n"));
            ch.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    /** Stops the node, fsyncing and acknowledging everything it accepted. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stopAccepting();
        agent.close();
        server.close();
        if (admin != null) {
            admin.close();
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "releasing the data directory lock", e);
        }
    }
}
