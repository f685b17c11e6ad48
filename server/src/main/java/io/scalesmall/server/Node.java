package io.scalesmall.server;

import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.admin.AdminServer;
import io.scalesmall.server.api.ClientServer;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.HybridLogicalClock;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.NodeMetadata;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.net.ClusterAgent;
import io.scalesmall.server.cluster.net.ClusterKeys;
import io.scalesmall.server.cluster.net.ClusterNetConfig;
import io.scalesmall.server.placement.PlacementService;
import io.scalesmall.server.placement.PlacementView;
import io.scalesmall.server.placement.Placer;
import io.scalesmall.server.placement.SplitMonitor;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.replication.DataAgent;
import io.scalesmall.server.replication.PeerLinks;
import io.scalesmall.server.replication.RangeKey;
import io.scalesmall.server.storage.RangeLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(2);

    private final NodeConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final NodeId nodeId;
    private final DataAgent agent;
    private PlacementService placement;
    private SplitMonitor splits;
    private PeerLinks peers;
    /** The cluster keys as read at start, for peers that connect before the cluster plane runs. */
    private volatile ClusterKeys startupKeys;

    private final ClientServer server;
    private AdminServer admin;
    private volatile ClusterAgent cluster;
    /** The disk capacity this node offers placement while its volume is not full. */
    private long advertisedDiskBytes;
    /** Whether the node last told the cluster it is full (capacity 0). Cluster thread. */
    private boolean advertisedFull;
    /** When it last did. Cluster thread. */
    private long advertisedFullAtMs;
    /** Set once a hand-off before leaving started. */
    private volatile CompletableFuture<Boolean> drained;
    /** What to run once the hand-off ended, told whether it completed (the command stops the process). */
    private volatile java.util.function.Consumer<Boolean> afterDrain = done -> {};
    /** Guards {@link #drained}; not the node's own lock, which close() holds while it waits. */
    private final Object drainLock = new Object();

    private IncarnationFile incarnationFile;
    private volatile boolean closed;

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
            startupKeys = config.cluster().keyFile() == null
                    ? ClusterKeys.devDefault()
                    : ClusterKeys.fromFile(config.cluster().keyFile());
            StreamCatalog catalog = StreamCatalog.load(config.dataDir().resolve("streams"), nodeId);
            HybridLogicalClock hlc = new HybridLogicalClock(0);
            placement = new PlacementService(
                    nodeId,
                    catalog,
                    hlc,
                    System::currentTimeMillis,
                    config.agent().restoreDelayMs(),
                    config.split().maxRangesPerStream());
            peers = new PeerLinks(nodeId, this::clientAddressOf, this::signForPeers, System::currentTimeMillis);
            if (config.api().tls().enabled()) {
                peers.tls(config.api().tls().peerContext());
            }
            agent = new DataAgent(config.agent(), nodeId, catalog, placement, peers, hlc, System::currentTimeMillis);
            agent.start();
            boolean expectsPeers =
                    !config.cluster().seeds().isEmpty() || config.cluster().multicastGroup() != null;
            server = new ClientServer(config.api(), agent, placement, this::members, this::signedByPeer, expectsPeers);
            server.start();
            // Before the cluster plane: the node advertises the admin endpoint in its metadata.
            admin = config.httpPort() >= 0 ? new AdminServer(config.httpHost(), config.httpPort(), this) : null;
            if (admin != null) {
                admin.start();
            }
            cluster = startCluster();
            placement.reviewRequester(cluster::reviewClaims);
            placement.reviewScheduler(cluster::reviewClaimsAfter);
            cluster.reviewClaims();
            cluster.every(config.agent().retention().checkIntervalMs(), this::reviewCapacity);
            splits = new SplitMonitor(config.split());
            cluster.every(config.split().checkIntervalMs(), this::reviewSplits);
            started = true;
        } finally {
            if (!started) {
                if (admin != null) {
                    admin.close();
                }
                if (cluster != null) {
                    cluster.close();
                }
                if (peers != null) {
                    peers.close();
                }
                lock.release();
                lockChannel.close();
            }
        }
    }

    /**
     * Starts the cluster plane under an incarnation one above the last this data directory used,
     * so a restarted node is never shadowed by its own old tombstone.
     */
    private ClusterAgent startCluster() throws IOException, InterruptedException {
        ClusterNetConfig settings = config.cluster();
        ClusterKeys keys;
        String keyFileContents = null;
        if (settings.keyFile() == null) {
            LOG.warning("no --cluster-key-file: using the well-known development cluster key; anyone who can reach"
                    + " the cluster port can join. Set a key file in production.");
            keys = ClusterKeys.devDefault();
        } else {
            keyFileContents = Files.readString(settings.keyFile(), StandardCharsets.UTF_8);
            keys = ClusterKeys.parse(keyFileContents, settings.keyFile().toString());
        }
        incarnationFile = new IncarnationFile(config.dataDir().resolve("cluster.incarnation"));
        long incarnation = incarnationFile.next();
        String bindHost =
                settings.host() != null ? settings.host() : config.api().host();
        String advertised = settings.advertisedHost() != null
                ? settings.advertisedHost()
                : config.api().advertisedHost();
        int clientPort = server.boundAddress().getPort();
        Endpoint clientEndpoint = new Endpoint(config.api().advertisedHost(), clientPort);
        long diskBytes = diskCapacityBytes();
        advertisedDiskBytes = diskBytes;
        long memoryBytes = config.agent().memoryTailBytes();
        int cores = Runtime.getRuntime().availableProcessors();
        ClusterAgent agent = new ClusterAgent(
                settings.protocol(),
                keys,
                // An ephemeral client port (0) gets an ephemeral cluster port, not a guessed one.
                new InetSocketAddress(bindHost, settings.portFor(config.api().port())),
                settings.seeds(),
                new ClusterLog(nodeId, incarnationFile));
        agent.claimsPolicy(placement);
        if (settings.keyFile() != null) {
            agent.reloadKeysFrom(settings.keyFile(), keyFileContents, settings.keyReloadMs());
        }
        if (settings.multicastGroup() != null) {
            agent.multicast(settings.multicastGroup(), settings.multicastInterface());
        }
        try {
            agent.start(
                    port -> new MemberEntry(
                            nodeId,
                            incarnation,
                            MemberStatus.ALIVE,
                            System.currentTimeMillis(),
                            new NodeMetadata(
                                    new Endpoint(advertised, port),
                                    clientEndpoint,
                                    diskBytes,
                                    memoryBytes,
                                    cores,
                                    settings.zone(),
                                    false,
                                    adminEndpoint())),
                    placement.claims());
        } catch (RuntimeException | InterruptedException e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    /**
     * Where other nodes reach this node's admin endpoint: the bound address, or the advertised
     * client host when it is bound to every interface; null when the node has none.
     */
    private Endpoint adminEndpoint() {
        if (admin == null) {
            return null;
        }
        InetSocketAddress bound = admin.boundAddress();
        String host = bound.getAddress().isAnyLocalAddress() ? config.api().advertisedHost() : bound.getHostString();
        return new Endpoint(host, bound.getPort());
    }

    /** Measures the open ranges this node holds and asks placement to split the hot or big ones. */
    private void reviewSplits() {
        List<SplitMonitor.Load> loads = new ArrayList<>();
        for (RangeKey key : agent.rangeKeys()) {
            RangeClaim held = placement.held(key.stream(), key.rangeId());
            RangeLog log = agent.openLog(key.stream(), key.rangeId());
            if (held != null && !held.sealed() && log != null) {
                loads.add(new SplitMonitor.Load(key.stream(), key.rangeId(), log.sizeBytes(), log.appendedBytes()));
            }
        }
        placement.requestSplits(splits.review(System.currentTimeMillis(), loads));
    }

    /**
     * A node whose volume stays over its high watermark after retention offers no capacity, so
     * placement gives it no new range and replaces its current ones for new writes; it offers its
     * capacity again once retention got under the watermark. Cluster thread.
     */
    private void reviewCapacity() {
        boolean full = agent.overHighWatermark();
        long now = System.currentTimeMillis();
        if (full == advertisedFull) {
            return;
        }
        // Offer capacity again only after a while: each change moves the slices this node serves.
        long holdMs = 6 * config.agent().retention().checkIntervalMs();
        if (!full && now - advertisedFullAtMs < holdMs) {
            return;
        }
        advertisedFull = full;
        advertisedFullAtMs = now;
        if (full) {
            LOG.warning("the data volume stays over its high watermark after retention: this node takes no new"
                    + " ranges, and its ranges move to other nodes for new writes");
        } else {
            LOG.info("the data volume is under its high watermark again: this node offers its capacity again");
        }
        long capacity = full ? 0 : advertisedDiskBytes;
        cluster.updateMetadata(m -> m.withDiskBytes(capacity));
    }

    /**
     * What to run once a hand-off ended, told whether everything was handed off ({@code scalesmall
     * node} exits, which leaves the cluster).
     */
    public void afterDrain(java.util.function.Consumer<Boolean> task) {
        this.afterDrain = task;
    }

    /**
     * Why this node should not get traffic yet, or null when it is ready: it recovered its logs
     * (before it started serving), a seed answered its join with the cluster's state (or it had
     * none to join through), and it is neither leaving nor stopping.
     */
    public String notReadyReason() {
        ClusterAgent plane = cluster;
        if (closed) {
            return "the node is stopping";
        } else if (plane == null || !plane.joined()) {
            return "joining the cluster: no seed has answered with the cluster's state yet";
        } else if (draining()) {
            return "handing its data off to leave the cluster";
        }
        return null;
    }

    /** True once this node was asked to hand its data off and leave. */
    public boolean draining() {
        return drained != null;
    }

    /** {@code none}, {@code running}, {@code done} or {@code incomplete} (timed out). */
    public String drainState() {
        CompletableFuture<Boolean> d = drained;
        if (d == null) {
            return "none";
        }
        if (!d.isDone()) {
            return "running";
        }
        return Boolean.TRUE.equals(d.getNow(false)) ? "done" : "incomplete";
    }

    /**
     * Hands this node's data off, then runs {@link #afterDrain}: the node tells the cluster it is
     * draining, so placement gives it no new range, replaces the ranges it serves, and has other
     * nodes take a copy of every sealed range it holds (pulling from it or from the other
     * holders). Done when every range it holds is sealed here and held, fsynced, by as many live
     * nodes as it has replicas (capped by the nodes that can take it), or after {@code timeoutMs}.
     * Idempotent; returns whether everything was handed off.
     */
    public CompletableFuture<Boolean> drain(long timeoutMs) {
        CompletableFuture<Boolean> result;
        synchronized (drainLock) {
            if (drained != null) {
                return drained;
            }
            result = new CompletableFuture<>();
            drained = result;
        }
        LOG.info("draining: handing this node's ranges off before it leaves");
        cluster.updateMetadata(NodeMetadata::asDraining);
        Thread t = new Thread(
                () -> {
                    boolean done = false;
                    try {
                        done = awaitHandOff(timeoutMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "hand-off failed", e);
                    }
                    result.complete(done);
                    afterDrain.accept(done);
                },
                "scalesmall-drain");
        t.setDaemon(true);
        t.start();
        return result;
    }

    private boolean awaitHandOff(long timeoutMs) throws InterruptedException {
        long start = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long nextReport = 0;
        while (true) {
            List<RangeClaim> pending = rangesToHandOff();
            if (pending.isEmpty()) {
                LOG.info("drained: every range this node holds has its copies on other nodes");
                return true;
            }
            long now = System.nanoTime();
            if (now - start > timeoutNanos) {
                LOG.warning("hand-off incomplete after " + timeoutMs + " ms: " + pending.size()
                        + " range(s) lack copies elsewhere, first " + pending.get(0).stream() + "/"
                        + pending.get(0).rangeId() + "; leaving anyway");
                return false;
            }
            if (now >= nextReport) {
                LOG.info("draining: " + pending.size() + " range(s) still to hand off");
                nextReport = now + TimeUnit.SECONDS.toNanos(10);
            }
            Thread.sleep(250);
        }
    }

    /** The ranges this node holds that do not have their copies on other live nodes yet. */
    private List<RangeClaim> rangesToHandOff() {
        PlacementView view = placement.view();
        int candidates = Placer.candidates(view).size();
        List<RangeClaim> pending = new ArrayList<>();
        for (RangeClaim r : agent.catalog().ranges()) {
            // No other node can take it: it stays pending, and the drain times out.
            int wanted = Math.max(1, Math.min(r.replicas().size(), candidates));
            PlacementView.RangeInfo info = view.range(r.stream(), r.rangeId());
            List<NodeId> others = new ArrayList<>();
            if (info != null) {
                for (NodeId h : info.holders()) {
                    MemberEntry m = view.member(h);
                    if (!h.equals(nodeId)
                            && m != null
                            && m.status() == MemberStatus.ALIVE
                            && !m.metadata().draining()) {
                        others.add(h);
                    }
                }
            }
            boolean handedOff = false;
            if (r.sealed() && others.size() >= wanted) {
                try {
                    handedOff = agent.heldBy(r.stream(), r.rangeId(), others)
                                    .get(10, TimeUnit.SECONDS)
                                    .size()
                            >= wanted;
                } catch (ExecutionException | TimeoutException e) {
                    handedOff = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of(r);
                }
            }
            if (!handedOff) {
                pending.add(r);
            }
        }
        return pending;
    }

    private InetSocketAddress clientAddressOf(NodeId peer) {
        MemberEntry m = placement.view().member(peer);
        if (m == null) {
            return null;
        }
        Endpoint e = m.metadata().clientEndpoint();
        return new InetSocketAddress(e.host(), e.port());
    }

    /**
     * The HMAC-SHA256 of {@code data} under the cluster key this node signs with: what proves to
     * another node that a request comes from a member (peer hellos, the admin endpoints' fan-out).
     *
     * @throws IllegalStateException before the cluster plane runs
     */
    public byte[] signForPeers(byte[] data) {
        ClusterAgent plane = cluster;
        if (plane == null) {
            throw new IllegalStateException("the cluster plane is not running yet");
        }
        return plane.mac(data);
    }

    /** Whether {@code mac} is the HMAC of {@code signed} under a cluster key this node accepts. */
    public boolean signedByPeer(byte[] signed, byte[] mac) {
        ClusterAgent plane = cluster;
        if (plane != null) {
            return plane.verifyMac(signed, mac);
        }
        // Peers may connect between the client listener's start and the cluster plane's.
        ClusterKeys keys = startupKeys;
        if (keys == null || mac.length != ClusterKeys.MAC_BYTES) {
            return false;
        }
        synchronized (keys) {
            io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer(signed.length + mac.length);
            buf.writeBytes(signed).writeBytes(mac);
            return keys.verify(buf, 0, signed.length, signed.length);
        }
    }

    /** Placement: the streams and ranges of the cluster as this node sees them. */
    public PlacementService placement() {
        return placement;
    }

    /** The bytes this node offers for data: its retention budget. */
    private long diskCapacityBytes() throws IOException {
        long budget = config.agent().retention().highWatermarkBytes();
        if (budget > 0) {
            return budget;
        }
        long total = Files.getFileStore(config.dataDir()).getTotalSpace();
        return (long) (total * config.agent().retention().highWatermarkPercent() / 100.0);
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

    /**
     * The member table as this node sees it, tombstones included, for MEMBERS requests. Called on
     * client I/O threads: it reads the snapshot the cluster thread publishes.
     */
    public MembersResponse members() {
        ClusterAgent plane = cluster;
        List<MemberEntry> view = plane == null ? List.of() : plane.members();
        List<MembersResponse.Member> rows = new ArrayList<>(view.size());
        for (MemberEntry m : view) {
            NodeMetadata meta = m.metadata();
            rows.add(new MembersResponse.Member(
                    m.id(),
                    m.incarnation(),
                    m.status().name(),
                    m.sinceMs(),
                    meta.clusterEndpoint().host(),
                    meta.clusterEndpoint().port(),
                    meta.clientEndpoint().host(),
                    meta.clientEndpoint().port(),
                    meta.diskBytes(),
                    meta.memoryBytes(),
                    meta.cores(),
                    meta.zone()));
        }
        return new MembersResponse(nodeId, rows);
    }

    /** The data agent, for the admin endpoint. */
    public DataAgent agent() {
        return agent;
    }

    /** The principals of {@code auth.file}, or null when the node requires no credential. */
    public io.scalesmall.server.api.Principals principals() {
        return server.principals();
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

    /** The cluster plane. */
    public ClusterAgent cluster() {
        return cluster;
    }

    /**
     * Stops the node: announces a graceful leave (others see LEFT, not DEAD), then fsyncs and
     * acknowledges everything it accepted.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!cluster.leave(LEAVE_TIMEOUT)) {
                LOG.warning("leave not acknowledged by every node within " + LEAVE_TIMEOUT.toMillis()
                        + " ms; anti-entropy will spread it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cluster.close();
        server.stopAccepting();
        agent.close();
        peers.close();
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
