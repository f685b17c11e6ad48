package io.scalesmall.server.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.placement.PlacementService;
import io.scalesmall.server.placement.PlacementView;
import io.scalesmall.server.placement.PlacementView.RangeInfo;
import io.scalesmall.server.placement.StreamCatalog;
import io.scalesmall.server.replication.DataAgent;
import io.scalesmall.server.storage.RangeLog;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The client protocol listener: a Netty server (epoll where available, NIO otherwise) whose
 * connections are served by {@link ClientConnection}s. It also answers what connections ask
 * about the node as a whole: metadata (from placement's view), the member table (from its {@link
 * MemberSource}), how many copies a policy may ask for, and whether a peer's hello is genuine.
 *
 * <p>Thread-safe after {@link #start}.
 */
public final class ClientServer implements AutoCloseable {
    private static final java.util.logging.Logger LOG =
            java.util.logging.Logger.getLogger(ClientServer.class.getName());

    private final ApiConfig config;
    private final DataAgent agent;
    private final PlacementService placement;
    private final MemberSource members;
    private final PeerAuthenticator peers;
    private final boolean expectsPeers;
    /**
     * Who may connect and what each may do; null when the node requires no credential. Replaced
     * when the principals file changes (read on the event loops).
     */
    private volatile Principals principals;

    private final io.scalesmall.server.WatchedFile<Principals> principalsFile;

    /** Every open connection, so that each can check its session when the principals change. */
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    /** The client port's TLS context, or null without TLS. */
    private final io.netty.handler.ssl.SslContext tls;
    /**
     * Counts for LAG: a walk over a range's batch headers reads the disk, so it runs here, one at
     * a time, rather than on an event loop that serves publishes; a full queue answers BUSY.
     */
    private final java.util.concurrent.ThreadPoolExecutor lagCounter = new java.util.concurrent.ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(64),
            new io.netty.util.concurrent.DefaultThreadFactory("scalesmall-lag", true));

    private final SeenHellos seenHellos = new SeenHellos(ClientConnection.PEER_HELLO_MAX_SKEW_MS);
    private EventLoopGroup group;
    private Channel serverChannel;
    private InetSocketAddress boundAddress;

    /** Checks a node's proof of holding the cluster key. Thread-safe. */
    @FunctionalInterface
    public interface PeerAuthenticator {
        /** True when {@code mac} is the HMAC of {@code signed} under an accepted cluster key. */
        boolean verify(byte[] signed, byte[] mac);
    }

    /**
     * @param config listener settings
     * @param agent the data agent that owns the ranges
     * @param placement streams and ranges across the cluster
     * @param members answers MEMBERS requests (called on I/O threads)
     * @param peers checks PEER_HELLO frames
     * @param expectsPeers whether this node is configured to find other nodes (seeds or
     *     multicast), so an empty view means "not joined yet" rather than "alone"
     */
    public ClientServer(
            ApiConfig config,
            DataAgent agent,
            PlacementService placement,
            MemberSource members,
            PeerAuthenticator peers,
            boolean expectsPeers) {
        this.config = config;
        this.expectsPeers = expectsPeers;
        this.agent = agent;
        this.placement = placement;
        this.members = members;
        this.peers = peers;
        this.tls = config.tls().enabled() ? config.tls().serverContext() : null;
        if (config.authFile() == null) {
            this.principals = null;
            this.principalsFile = null;
        } else {
            java.nio.file.Path file = config.authFile();
            String contents;
            try {
                contents = io.scalesmall.server.WatchedFile.read(file);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read auth.file " + file + ": " + e.getMessage(), e);
            }
            this.principals = Principals.parse(contents, file.toString());
            this.principalsFile = new io.scalesmall.server.WatchedFile<>(
                    file, contents, "auth.file", changed -> Principals.parse(changed, file.toString()));
        }
    }

    /** Open connections per principal name. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> principalConnections =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A connection of {@code principal} opened; returns how many it has now, this one included. */
    int principalConnected(String principal) {
        return principalConnections
                .computeIfAbsent(principal, p -> new java.util.concurrent.atomic.AtomicInteger())
                .incrementAndGet();
    }

    /** A connection of {@code principal} closed. */
    void principalDisconnected(String principal) {
        principalConnections.get(principal).decrementAndGet();
    }

    /** The principals clients authenticate as, or null when the node requires no credential. */
    public Principals principals() {
        return principals;
    }

    /** Binds the listener; returns once it accepts connections. */
    public void start() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(
                config.ioThreads(),
                new DefaultThreadFactory("scalesmall-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> channelClass =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowBytes(), config.writeBufferHighBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            // Required: plaintext fails the handshake and the connection closes.
                            // Otherwise the first bytes tell a TLS client from a plaintext one.
                            ch.pipeline()
                                    .addLast(
                                            "tls",
                                            config.tls().required()
                                                    ? tls.newHandler(ch.alloc())
                                                    : new io.netty.handler.ssl.OptionalSslHandler(tls));
                        }
                        ch.pipeline()
                                .addLast("frames", new FrameDecoder(config.maxFrameBytes()))
                                .addLast("requests", new ClientConnection(ClientServer.this, config, agent));
                        connections.add(ch); // and out of the group when it closes
                    }
                });
        serverChannel = bootstrap.bind(config.host(), config.port()).sync().channel();
        boundAddress = (InetSocketAddress) serverChannel.localAddress();
        if (principalsFile != null) {
            group.next()
                    .scheduleWithFixedDelay(
                            this::maybeReloadPrincipals,
                            config.authReloadMs(),
                            config.authReloadMs(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Takes the principals file again when it changed and parses; every open session then checks
     * itself against it on its own event loop ({@link ClientConnection#PRINCIPALS_CHANGED}).
     */
    private void maybeReloadPrincipals() {
        Principals reloaded;
        try {
            reloaded = principalsFile.maybeReload();
        } catch (RuntimeException e) {
            // Keep checking: an exception would end the scheduled task for good.
            LOG.log(java.util.logging.Level.WARNING, "re-reading auth.file failed; keeping the principals in use", e);
            return;
        }
        if (reloaded == null) {
            return;
        }
        principals = reloaded;
        LOG.info("auth.file reloaded: " + reloaded.size() + " principals; open sessions are checked against it");
        for (io.netty.channel.Channel ch : connections) {
            ch.pipeline().fireUserEventTriggered(ClientConnection.PRINCIPALS_CHANGED);
        }
    }

    /** The address the listener is bound to (with the real port when 0 was asked). */
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /**
     * Most copies a durability policy may ask for: one per live node. While a node that expects
     * peers has not started its cluster plane yet it cannot tell, so it leaves the check to each
     * range's replica count (a publish then fails with NOT_ENOUGH_REPLICAS if copies are missing).
     */
    int maxCopies() {
        if (placement.view().members().isEmpty()) {
            return expectsPeers ? DurabilityPolicy.MAX_COPIES : 1;
        }
        int live = 0;
        for (MemberEntry m : placement.view().members()) {
            if (m.isLive()) {
                live++;
            }
        }
        return Math.max(1, live);
    }

    PlacementService placement() {
        return placement;
    }

    boolean verifyPeer(byte[] signed, byte[] mac) {
        return peers.verify(signed, mac);
    }

    /** The peer hellos taken lately, so that none is taken twice. */
    SeenHellos seenHellos() {
        return seenHellos;
    }

    /**
     * Describes the asked streams (all when none is named): every range of each, current ones
     * with their replicas in placement order, sealed ones with the nodes holding their data.
     */
    MetadataResponse metadata(MetadataRequest req) {
        return metadata(req, stream -> true);
    }

    /** Like {@link #metadata(MetadataRequest)}, listing only the streams {@code visible} accepts when none is named. */
    MetadataResponse metadata(MetadataRequest req, java.util.function.Predicate<String> visible) {
        PlacementView view = placement.view();
        StreamCatalog catalog = agent.catalog();
        TreeSet<String> names = new TreeSet<>(req.streams());
        if (names.isEmpty()) {
            names.addAll(view.streams().keySet());
            catalog.streams().forEach(st -> names.add(st.stream()));
            names.removeIf(visible.negate());
        }
        List<MetadataResponse.Node> nodes = new ArrayList<>();
        Map<NodeId, Integer> nodeIndex = new HashMap<>();
        List<MetadataResponse.Stream> out = new ArrayList<>();
        for (String name : names) {
            StreamClaim def = view.stream(name);
            if (def == null) {
                def = catalog.stream(name);
            }
            if (def == null) {
                throw new ProtocolException(ErrorCode.UNKNOWN_STREAM, "stream '" + name + "' does not exist");
            }
            List<MetadataResponse.Range> ranges = new ArrayList<>();
            List<RangeInfo> infos = new ArrayList<>(view.ranges(name).values());
            // Oldest first: each key's ranges in the order readers read them, whatever splits cut
            // their slices (a fetch reads the listed ranges and returns their messages in this order).
            infos.sort(java.util.Comparator.comparingLong(
                            (RangeInfo r) -> r.descriptor().sinceHlc())
                    .thenComparingInt(RangeInfo::rangeId));
            for (RangeInfo info : infos) {
                boolean current = view.isCurrent(info);
                List<NodeId> where = current ? info.descriptor().replicas() : readOrder(info);
                List<Integer> replicas = new ArrayList<>(where.size());
                for (NodeId id : where) {
                    Integer index = nodeIndex(view, id, nodes, nodeIndex);
                    if (index != null) {
                        replicas.add(index);
                    }
                }
                RangeLog log = agent.openLog(name, info.rangeId());
                ranges.add(new MetadataResponse.Range(
                        info.rangeId(),
                        info.descriptor().startHash(),
                        info.descriptor().endHash() - 1,
                        replicas,
                        log == null ? 0 : log.sizeBytes(),
                        log == null ? 0 : log.batchCount(),
                        -1,
                        info.descriptor().sinceHlc(),
                        current));
            }
            StreamOptions options = StreamCatalog.options(def);
            out.add(new MetadataResponse.Stream(name, options, ranges));
        }
        return new MetadataResponse(agent.nodeId(), nodes, out);
    }

    /**
     * A sealed range's holders in the order a reader should try them: live original replicas in
     * placement order, then live restored copies (which may still be filling), then the rest.
     */
    private List<NodeId> readOrder(RangeInfo info) {
        List<NodeId> out = new ArrayList<>(info.holders().size());
        for (NodeId id : info.descriptor().replicas()) {
            if (info.holders().contains(id) && placement.isLive(id)) {
                out.add(id);
            }
        }
        for (NodeId id : info.holders()) {
            if (!out.contains(id) && placement.isLive(id)) {
                out.add(id);
            }
        }
        for (NodeId id : info.holders()) {
            if (!out.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    private static Integer nodeIndex(
            PlacementView view, NodeId id, List<MetadataResponse.Node> nodes, Map<NodeId, Integer> nodeIndex) {
        Integer known = nodeIndex.get(id);
        if (known != null) {
            return known;
        }
        MemberEntry m = view.member(id);
        if (m == null) {
            return null;
        }
        int index = nodes.size();
        nodes.add(new MetadataResponse.Node(
                id,
                m.metadata().clientEndpoint().host(),
                m.metadata().clientEndpoint().port()));
        nodeIndex.put(id, index);
        return index;
    }

    /** The member table, for a MEMBERS request. */
    MembersResponse members() {
        return members.members();
    }

    /** Stops accepting new connections; existing ones keep being served. */
    public void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    /**
     * Runs a LAG count off the event loops.
     *
     * @throws java.util.concurrent.RejectedExecutionException when counts are queued already
     */
    void countLag(Runnable count) {
        lagCounter.execute(count);
    }

    /** Stops accepting and closes every connection. */
    @Override
    public void close() {
        lagCounter.shutdownNow();
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
