package io.scalesmall.server.cluster.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClaimsPolicy;
import io.scalesmall.server.cluster.ClusterConfig;
import io.scalesmall.server.cluster.ClusterCounters;
import io.scalesmall.server.cluster.ClusterListener;
import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.ClusterProtocol;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.NodeMetadata;
import io.scalesmall.server.cluster.Outbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one node's {@link ClusterProtocol} on the network: UDP for messages that fit a datagram
 * (probes, acks, broadcast hand-offs, digests), TCP for larger ones (join replies, anti-entropy
 * entries), both on the same port. Every message is signed and verified by {@link ClusterCodec};
 * one that fails is dropped and counted, never answered.
 *
 * <p>Optional, set before {@link #start}: {@link #reloadKeysFrom} re-reads the cluster key file
 * while the node runs, so keys rotate without a restart; {@link #multicast} joins a UDP multicast
 * group on which the protocol sends the first hop of its broadcasts (a LAN only; off by default).
 *
 * <p>Threads: the protocol, both channels and the TCP connections all live on one event-loop
 * thread, so the protocol is driven without locks. The wall clock is read here and handed in.
 * Public methods are thread-safe; {@link #members()} returns a snapshot published after every
 * change.
 */
public final class ClusterAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterAgent.class.getName());
    /** How long after a change of the state the claims policy is asked (changes in between join it). */
    private static final long CLAIMS_REVIEW_DELAY_MS = 20;

    /** Largest TCP frame accepted: a whole-state reply of a very large cluster. */
    public static final int MAX_TCP_FRAME_BYTES = 64 << 20;

    private final ClusterConfig config;
    private ClusterKeys keys;
    /** The keys for {@link #mac} and {@link #verifyMac}, used by other threads under this object's lock. */
    private ClusterKeys sharedKeys;

    private final InetSocketAddress bindAddress;
    private final List<Endpoint> seeds;
    private final ClusterListener listener;
    private final EventLoopGroup group;
    private final boolean epoll = Epoll.isAvailable();
    private final Map<Endpoint, InetSocketAddress> resolved = new HashMap<>();
    private final Map<Endpoint, ChannelFuture> connections = new HashMap<>();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong messagesIn = new AtomicLong();
    private final AtomicLong messagesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();

    private volatile ClusterCounters counters = new ClusterCounters();
    private ClusterCodec codec;
    private ClusterProtocol protocol;
    private DatagramChannel datagram;
    private io.scalesmall.server.WatchedFile<ClusterKeys> keyWatcher;
    private long keyReloadMs;
    private Endpoint multicastGroup;
    private String multicastInterface;
    private DatagramChannel multicastChannel;
    private InetSocketAddress multicastAddress;
    private Channel server;
    private ScheduledFuture<?> timer;
    private long timerAtMs = Long.MAX_VALUE;
    private volatile List<MemberEntry> members = List.of();
    private volatile MemberEntry self;
    private volatile int localHealth;
    private volatile boolean joined;
    private boolean viewChanged;
    private ClaimsPolicy claimsPolicy;
    private boolean stateChanged;
    private boolean reviewScheduled;

    /**
     * @param bindAddress where to listen (UDP and TCP); port 0 picks a free one
     * @param listener told of changes, on the cluster thread
     */
    public ClusterAgent(
            ClusterConfig config,
            ClusterKeys keys,
            InetSocketAddress bindAddress,
            List<Endpoint> seeds,
            ClusterListener listener) {
        this.config = config;
        // Mac instances are not thread-safe; callers may share one ClusterKeys between agents.
        this.keys = keys.forAnotherThread();
        this.sharedKeys = keys.forAnotherThread();
        this.bindAddress = bindAddress;
        this.seeds = List.copyOf(seeds);
        this.listener = listener;
        this.group = new MultiThreadIoEventLoopGroup(
                1,
                new DefaultThreadFactory("scalesmall-cluster", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * Before {@link #start}: re-read the key file every {@code everyMs} and switch to its keys when
     * it changes and parses ({@link ClusterKeys} describes a rotation).
     *
     * @param loadedContents the contents the keys given to the constructor were read from
     */
    public void reloadKeysFrom(Path keyFile, String loadedContents, long everyMs) {
        if (everyMs <= 0) {
            throw new IllegalArgumentException("cluster.key.reload.ms must be positive");
        }
        this.keyWatcher = new io.scalesmall.server.WatchedFile<>(
                keyFile,
                loadedContents,
                "cluster key file",
                contents -> ClusterKeys.parse(contents, keyFile.toString()));
        this.keyReloadMs = everyMs;
    }

    /**
     * Before {@link #start}: {@code policy} decides this node's claims; it is asked a moment after
     * every change of the state, once this node has joined.
     */
    public void claimsPolicy(ClaimsPolicy policy) {
        this.claimsPolicy = policy;
    }

    /**
     * Spreads new metadata for this node (a changed capacity) under a higher incarnation, when
     * {@code change} gives metadata other than the current one. Thread-safe.
     */
    public void updateMetadata(UnaryOperator<NodeMetadata> change) {
        group.execute(() -> {
            NodeMetadata current = protocol.self().metadata();
            NodeMetadata next = change.apply(current);
            if (!next.equals(current)) {
                protocol.updateMetadata(System.currentTimeMillis(), next);
                afterCall();
            }
        });
    }

    /** Runs {@code task} on the cluster thread every {@code periodMs}. Thread-safe. */
    public void every(long periodMs, Runnable task) {
        group.scheduleWithFixedDelay(task, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Asks the claims policy to review this node's claims after {@code delayMs}. Thread-safe. */
    public void reviewClaimsAfter(long delayMs) {
        group.schedule(this::reviewClaims, delayMs, TimeUnit.MILLISECONDS);
    }

    /** Asks the claims policy to review this node's claims soon. Thread-safe. */
    public void reviewClaims() {
        group.execute(() -> {
            stateChanged = true;
            afterCall();
        });
    }

    /**
     * The HMAC-SHA256 of {@code data} under the current cluster signing key: how this node proves
     * membership on its data connections to peers. Thread-safe.
     */
    public synchronized byte[] mac(byte[] data) {
        ByteBuf out = io.netty.buffer.Unpooled.buffer(ClusterKeys.MAC_BYTES);
        sharedKeys.sign(io.netty.buffer.Unpooled.wrappedBuffer(data), 0, data.length, out);
        byte[] mac = new byte[ClusterKeys.MAC_BYTES];
        out.readBytes(mac);
        return mac;
    }

    /** True when {@code mac} is {@code data}'s HMAC under any accepted cluster key. Thread-safe. */
    public synchronized boolean verifyMac(byte[] data, byte[] mac) {
        if (mac.length != ClusterKeys.MAC_BYTES) {
            return false;
        }
        ByteBuf buf = io.netty.buffer.Unpooled.buffer(data.length + mac.length);
        buf.writeBytes(data).writeBytes(mac);
        return sharedKeys.verify(buf, 0, data.length, data.length);
    }

    /** Runs {@code task} on the cluster thread. */
    public void execute(Runnable task) {
        group.execute(task);
    }

    /**
     * Before {@link #start}: join the IPv4 multicast group {@code group} (address and port) on
     * the network interface named {@code interfaceName}, or on the interface of the bind address
     * when null, and multicast the first hop of every broadcast there (time-to-live 1).
     */
    public void multicast(Endpoint group, String interfaceName) {
        this.multicastGroup = group;
        this.multicastInterface = interfaceName;
    }

    /**
     * Binds the port, then starts the protocol with the entry {@code selfForPort} builds for the
     * bound port (its advertised endpoint must carry it).
     */
    public void start(IntFunction<MemberEntry> selfForPort, ClaimSet claims) throws InterruptedException {
        codec = new ClusterCodec(keys);
        if (multicastGroup != null) {
            bindMulticast();
        }
        // With an ephemeral port the kernel picks the datagram port; the stream port must be the
        // same number and may already be taken by someone else's connection: pick again then.
        int attempts = bindAddress.getPort() == 0 ? 20 : 1;
        for (int attempt = 1; ; attempt++) {
            datagram = bindDatagram();
            int port = datagram.localAddress().getPort();
            try {
                server = new ServerBootstrap()
                        .group(group)
                        .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childHandler(new StreamInitializer())
                        .bind(new InetSocketAddress(bindAddress.getAddress(), port))
                        .sync()
                        .channel();
                break;
            } catch (InterruptedException e) {
                datagram.close();
                throw e;
            } catch (Exception e) { // Netty rethrows the bind failure, a checked IOException, unchecked
                datagram.close().sync();
                if (attempt >= attempts) {
                    throw e;
                }
            }
        }
        int port = datagram.localAddress().getPort();
        MemberEntry entry = selfForPort.apply(port);
        CompletableFuture<Void> started = new CompletableFuture<>();
        group.execute(() -> {
            try {
                protocol = new ClusterProtocol(
                        config,
                        entry,
                        claims,
                        seeds,
                        new SplittableRandom(new SecureRandom().nextLong()),
                        new Outbox() {
                            @Override
                            public void send(Endpoint to, ClusterMessage message) {
                                ClusterAgent.this.send(to, message);
                            }

                            @Override
                            public boolean multicasts() {
                                return multicastChannel != null;
                            }

                            @Override
                            public void multicast(ClusterMessage message) {
                                ClusterAgent.this.sendMulticast(message);
                            }
                        },
                        new ViewListener());
                counters = protocol.counters();
                protocol.start(System.currentTimeMillis());
                afterCall();
                if (keyWatcher != null) {
                    group.scheduleWithFixedDelay(
                            this::maybeReloadKeys, keyReloadMs, keyReloadMs, TimeUnit.MILLISECONDS);
                }
                started.complete(null);
            } catch (RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        try {
            started.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the cluster plane did not start", e.getCause());
        }
    }

    private DatagramChannel bindDatagram() throws InterruptedException {
        return (DatagramChannel) new Bootstrap()
                .group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(
                        ChannelOption.RECVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(Math.max(2048, config.maxDatagramBytes() + 64)))
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .handler(new DatagramHandler())
                .bind(bindAddress)
                .sync()
                .channel();
    }

    private void bindMulticast() throws InterruptedException {
        try {
            InetAddress groupAddress = InetAddress.getByName(multicastGroup.host());
            if (!groupAddress.isMulticastAddress() || groupAddress.getAddress().length != 4) {
                throw new IllegalArgumentException(
                        "cluster.multicast.group " + multicastGroup + " is not an IPv4 multicast address");
            }
            NetworkInterface nif = multicastInterface != null
                    ? NetworkInterface.getByName(multicastInterface)
                    : NetworkInterface.getByInetAddress(bindAddress.getAddress());
            if (nif == null) {
                throw new IllegalArgumentException("no network interface "
                        + (multicastInterface != null ? "named " + multicastInterface : "holds " + bindAddress)
                        + " for multicast; set cluster.multicast.interface");
            }
            multicastAddress = new InetSocketAddress(groupAddress, multicastGroup.port());
            multicastChannel = (DatagramChannel) new Bootstrap()
                    .group(group)
                    .channelFactory(() -> epoll
                            ? new EpollDatagramChannel(SocketProtocolFamily.INET)
                            : new NioDatagramChannel(SocketProtocolFamily.INET))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.IP_MULTICAST_IF, nif)
                    .option(ChannelOption.IP_MULTICAST_TTL, 1)
                    .option(
                            ChannelOption.RECVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(Math.max(2048, config.maxDatagramBytes() + 64)))
                    .handler(new MulticastHandler())
                    .bind(multicastAddress)
                    .sync()
                    .channel();
            multicastChannel.joinGroup(multicastAddress, nif).sync();
            LOG.info("cluster multicast on " + multicastAddress + " via " + nif.getName());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot use multicast group " + multicastGroup + ": " + e, e);
        }
    }

    /** The bound port (UDP and TCP). */
    public int port() {
        return datagram.localAddress().getPort();
    }

    /** This node's entry as last published. */
    public MemberEntry self() {
        return self;
    }

    /** Every member this node knows, tombstones included, in ring order; a snapshot. */
    public List<MemberEntry> members() {
        return members;
    }

    /**
     * True once a seed answered this node's join with the cluster's state (or it had no seed to
     * join through): its view of the cluster has caught up.
     */
    public boolean joined() {
        return joined;
    }

    /** The local health score (0 is healthy). */
    public int localHealth() {
        return localHealth;
    }

    /**
     * What the protocol did (probes, suspicions, refutations...). Written by the cluster thread;
     * values read elsewhere may be slightly stale.
     */
    public ClusterCounters counters() {
        return counters;
    }

    /** Messages dropped because their MAC did not verify or they were malformed. */
    public long rejectedMessages() {
        return rejected.get();
    }

    /** Messages received and accepted. */
    public long messagesIn() {
        return messagesIn.get();
    }

    /** Messages sent. */
    public long messagesOut() {
        return messagesOut.get();
    }

    /** Bytes received in accepted messages. */
    public long bytesIn() {
        return bytesIn.get();
    }

    /** Bytes sent. */
    public long bytesOut() {
        return bytesOut.get();
    }

    /**
     * Announces a graceful leave and waits until its broadcast was acked, or {@code timeout}.
     *
     * @return true when every hand-off of the leave was acked or given up on in time
     */
    public boolean leave(Duration timeout) throws InterruptedException {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        group.execute(() -> {
            protocol.leave(System.currentTimeMillis());
            afterCall();
            pollLeave(done, deadline);
        });
        try {
            return done.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    private void pollLeave(CompletableFuture<Boolean> done, long deadlineNanos) {
        if (protocol.leaveDone()) {
            done.complete(true);
        } else if (System.nanoTime() >= deadlineNanos) {
            done.complete(false);
        } else {
            group.schedule(() -> pollLeave(done, deadlineNanos), 10, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---- on the cluster thread ----

    private void maybeReloadKeys() {
        ClusterKeys reloaded = keyWatcher.maybeReload();
        if (reloaded != null) {
            keys = reloaded;
            codec = new ClusterCodec(reloaded);
            synchronized (this) {
                sharedKeys = reloaded.forAnotherThread();
            }
            LOG.info("cluster key file reloaded: signing with key "
                    + reloaded.fingerprints().split(",")[0] + ", accepting " + reloaded.fingerprints());
        }
    }

    private void onMessage(ByteBuf bytes, InetSocketAddress from) {
        onMessage(bytes, from, false);
    }

    private void onMessage(ByteBuf bytes, InetSocketAddress from, boolean multicast) {
        if (protocol == null) {
            return;
        }
        int size = bytes.readableBytes();
        ClusterMessage message;
        try {
            message = codec.decode(bytes);
        } catch (RuntimeException e) {
            if (rejected.incrementAndGet() % 1000 == 1) {
                LOG.warning("dropped a cluster message from " + from + ": " + e.getMessage()
                        + " (a peer with another cluster key, or not a ScaleSmall node)");
            }
            return;
        }
        messagesIn.incrementAndGet();
        bytesIn.addAndGet(size);
        Endpoint sender = new Endpoint(from.getAddress().getHostAddress(), from.getPort());
        if (multicast) {
            protocol.onMulticast(System.currentTimeMillis(), sender, message);
        } else {
            protocol.onMessage(System.currentTimeMillis(), sender, message);
        }
        afterCall();
    }

    private void sendMulticast(ClusterMessage message) {
        ByteBuf out = multicastChannel.alloc().buffer(ClusterCodec.encodedSize(message));
        try {
            codec.encode(message, out);
        } catch (RuntimeException e) {
            out.release();
            LOG.log(Level.WARNING, "cannot encode " + message, e);
            return;
        }
        messagesOut.incrementAndGet();
        bytesOut.addAndGet(out.readableBytes());
        multicastChannel.writeAndFlush(new DatagramPacket(out, multicastAddress), multicastChannel.voidPromise());
    }

    private void send(Endpoint to, ClusterMessage message) {
        InetSocketAddress address = resolved.computeIfAbsent(to, e -> new InetSocketAddress(e.host(), e.port()));
        if (address.isUnresolved()) {
            resolved.remove(to);
            return;
        }
        ByteBuf out = datagram.alloc().buffer(ClusterCodec.encodedSize(message));
        try {
            codec.encode(message, out);
        } catch (RuntimeException e) {
            out.release();
            LOG.log(Level.WARNING, "cannot encode " + message, e);
            return;
        }
        messagesOut.incrementAndGet();
        bytesOut.addAndGet(out.readableBytes());
        if (out.readableBytes() <= config.maxDatagramBytes()) {
            datagram.writeAndFlush(new DatagramPacket(out, address), datagram.voidPromise());
        } else {
            sendOverTcp(to, address, out);
        }
    }

    private void sendOverTcp(Endpoint to, InetSocketAddress address, ByteBuf frame) {
        ChannelFuture connect = connections.get(to);
        if (connect == null || !connect.channel().isOpen()) {
            ChannelFuture opened = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1_000, config.probeIntervalMs()))
                    .handler(new StreamInitializer())
                    .connect(address);
            connections.put(to, opened);
            opened.channel().closeFuture().addListener(f -> connections.remove(to, opened));
            connect = opened;
        }
        Channel channel = connect.channel();
        if (connect.isDone()) {
            channel.writeAndFlush(frame, channel.voidPromise());
        } else {
            // A write before the connection is established fails (NotYetConnectedException):
            // send once it is. Listeners run in order, so frames keep theirs.
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    channel.writeAndFlush(frame, channel.voidPromise());
                } else {
                    frame.release();
                }
            });
        }
    }

    /** Re-arms the one timer after every call into the protocol and publishes a changed view. */
    private void afterCall() {
        if (viewChanged) {
            viewChanged = false;
            members = List.copyOf(new ArrayList<>(protocol.state().members()));
        }
        if (stateChanged && claimsPolicy != null && !reviewScheduled && protocol.joined()) {
            reviewScheduled = true;
            group.schedule(this::runClaimsReview, CLAIMS_REVIEW_DELAY_MS, TimeUnit.MILLISECONDS);
        }
        self = protocol.self();
        localHealth = protocol.localHealth();
        joined = protocol.joined();
        long next = protocol.nextTimerMs();
        if (next == timerAtMs) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAtMs = next;
        if (next == Long.MAX_VALUE) {
            return;
        }
        long delayMs = Math.max(0, next - System.currentTimeMillis());
        timer = group.schedule(
                () -> {
                    timerAtMs = Long.MAX_VALUE;
                    protocol.onTimer(System.currentTimeMillis());
                    afterCall();
                },
                delayMs,
                TimeUnit.MILLISECONDS);
    }

    private void runClaimsReview() {
        reviewScheduled = false;
        stateChanged = false;
        ClaimSet wanted;
        try {
            wanted = claimsPolicy.review(protocol.state());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "placement review failed", e);
            return;
        }
        if (wanted != null) {
            protocol.updateClaims(System.currentTimeMillis(), wanted.streams(), wanted.ranges());
        }
        afterCall();
    }

    private final class ViewListener implements ClusterListener {
        @Override
        public void memberChanged(MemberEntry previous, MemberEntry current) {
            viewChanged = true;
            stateChanged = true;
            listener.memberChanged(previous, current);
        }

        @Override
        public void claimsChanged(ClaimSet previous, ClaimSet current) {
            stateChanged = true;
            listener.claimsChanged(previous, current);
        }

        @Override
        public void memberRemoved(NodeId id) {
            viewChanged = true;
            stateChanged = true;
            listener.memberRemoved(id);
        }
    }

    private final class DatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            onMessage(packet.content(), packet.sender());
        }
    }

    private final class MulticastHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            onMessage(packet.content(), packet.sender(), true);
        }
    }

    /** Length-prefixed frames over TCP, inbound and outbound connections alike. */
    private final class StreamInitializer extends ChannelInitializer<SocketChannel> {
        @Override
        protected void initChannel(SocketChannel channel) {
            channel.pipeline()
                    .addLast(new LengthFieldBasedFrameDecoder(MAX_TCP_FRAME_BYTES, 0, 4, 0, 4))
                    .addLast(new LengthFieldPrepender(4))
                    .addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                            onMessage(frame, (InetSocketAddress) ctx.channel().remoteAddress());
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            // A frame over the limit is a rejected message; a reset connection is not.
                            if (cause instanceof DecoderException) {
                                rejected.incrementAndGet();
                            }
                            LOG.fine("cluster connection " + ctx.channel().remoteAddress() + " closed: " + cause);
                            ctx.close();
                        }
                    });
        }
    }
}
