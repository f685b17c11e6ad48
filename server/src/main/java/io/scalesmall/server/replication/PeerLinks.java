package io.scalesmall.server.replication;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PeerHello;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.PullRequest;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.protocol.ReplicateHeader;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The node's connections to its peers for the data plane: one TCP connection per peer, opened on
 * first use to the peer's client port, authenticated with a PEER_HELLO under the cluster key, and
 * used one way (this node's frames to that peer; the peer answers on its own connection).
 *
 * <p>The data agent queues frames during a burst and {@link #flush}es once per burst: each peer's
 * frames leave in one write. While a connection is being opened, up to {@value
 * #MAX_WAITING_BYTES} bytes of frames wait for it; frames for a peer that cannot be reached are
 * dropped (a connection attempt starts at most once per {@value #RECONNECT_MS} ms); REPLICATE
 * frames for a peer whose connection is not writable (it does not keep up) are dropped too, so a
 * slow replica costs a bounded buffer; progress reports and pulls always go. Repair recovers what
 * was dropped.
 *
 * <p>Threads: the queueing methods and {@link #flush} are called on the data agent thread only;
 * connections live on their own event loop.
 */
public final class PeerLinks implements PeerSender, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerLinks.class.getName());
    private static final long RECONNECT_MS = 500;
    private static final int WRITE_LOW_BYTES = 8 << 20;
    private static final int WRITE_HIGH_BYTES = 32 << 20;
    private static final int MAX_WAITING_BYTES = 8 << 20;

    private final NodeId self;
    private final Function<NodeId, InetSocketAddress> addressOf;
    private final UnaryOperator<byte[]> signer;
    private final LongSupplier clockMs;
    private final EventLoopGroup group;
    private final boolean epoll = Epoll.isAvailable();
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final Map<NodeId, Link> links = new HashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sentBytes = new AtomicLong();
    /** TLS for connections to other nodes, or null for plaintext; set before the first send. */
    private volatile io.netty.handler.ssl.SslContext tls;

    private final class Link {
        final NodeId peer;
        volatile Channel channel;
        long lastAttemptMs = Long.MIN_VALUE / 2;
        CompositeByteBuf queued;
        /** Frames flushed while the connection is being opened; guarded by this link. */
        CompositeByteBuf waiting;
        /** Whether a connection attempt is in progress; guarded by this link. */
        boolean connecting;

        Link(NodeId peer) {
            this.peer = peer;
        }

        boolean connected() {
            Channel c = channel;
            return c != null && c.isActive();
        }

        synchronized boolean isConnecting() {
            return connecting;
        }
    }

    /**
     * @param addressOf a peer's client address from the current view, or null when unknown
     * @param signer the HMAC under the cluster key of the given bytes
     */
    public PeerLinks(
            NodeId self,
            Function<NodeId, InetSocketAddress> addressOf,
            UnaryOperator<byte[]> signer,
            LongSupplier clockMs) {
        this.self = self;
        this.addressOf = addressOf;
        this.signer = signer;
        this.clockMs = clockMs;
        this.group = new MultiThreadIoEventLoopGroup(
                1,
                new DefaultThreadFactory("scalesmall-peers", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Frames dropped because their peer was unreachable or did not keep up. */
    public long droppedFrames() {
        return dropped.get();
    }

    /** Bytes handed to peer connections. */
    public long sentBytes() {
        return sentBytes.get();
    }

    @Override
    public void replicate(NodeId peer, RangeDescriptor range, ByteBuf batches) {
        Link link = link(peer);
        Channel c = link.channel;
        boolean connecting;
        synchronized (link) {
            connecting = link.connecting;
        }
        if (!connecting && (c == null || !c.isActive() || !c.isWritable())) {
            batches.release();
            dropped.incrementAndGet();
            return;
        }
        ByteBuf header = alloc.directBuffer(128);
        int start = FrameHeader.begin(header, FrameType.REPLICATE, 0);
        new ReplicateHeader(range, self).write(header);
        header.setInt(start, header.writerIndex() - start - FrameHeader.LENGTH_FIELD_BYTES + batches.readableBytes());
        queue(link, header);
        queue(link, batches);
    }

    @Override
    public void progress(NodeId peer, ProgressReport report) {
        Link link = link(peer);
        if (!link.connected() && !link.isConnecting()) {
            dropped.incrementAndGet();
            return;
        }
        ByteBuf out = alloc.directBuffer(64 + report.entries().size() * 32);
        int start = FrameHeader.begin(out, FrameType.PROGRESS, 0);
        report.write(out);
        FrameHeader.finish(out, start);
        queue(link, out);
    }

    @Override
    public void pull(NodeId peer, PullRequest request) {
        Link link = link(peer);
        if (!link.connected() && !link.isConnecting()) {
            dropped.incrementAndGet();
            return;
        }
        ByteBuf out = alloc.directBuffer(96);
        int start = FrameHeader.begin(out, FrameType.PULL, 0);
        request.write(out);
        FrameHeader.finish(out, start);
        queue(link, out);
    }

    private void queue(Link link, ByteBuf frame) {
        if (link.queued == null) {
            link.queued = alloc.compositeDirectBuffer(64);
        }
        link.queued.addComponent(true, frame);
    }

    @Override
    public void flush() {
        for (Link link : links.values()) {
            CompositeByteBuf out = link.queued;
            if (out == null) {
                continue;
            }
            link.queued = null;
            synchronized (link) {
                if (link.connecting) {
                    if (link.waiting == null) {
                        link.waiting = alloc.compositeDirectBuffer(256);
                    }
                    if (link.waiting.readableBytes() + out.readableBytes() <= MAX_WAITING_BYTES) {
                        link.waiting.addComponent(true, out);
                    } else {
                        out.release();
                        dropped.incrementAndGet();
                    }
                    continue;
                }
            }
            Channel c = link.channel;
            if (c == null || !c.isActive()) {
                out.release();
                dropped.incrementAndGet();
                continue;
            }
            sentBytes.addAndGet(out.readableBytes());
            c.writeAndFlush(out, c.voidPromise());
        }
    }

    /** The link to {@code peer}, starting a connection when there is none (rate-limited). */
    private Link link(NodeId peer) {
        Link link = links.computeIfAbsent(peer, Link::new);
        if (!link.connected()) {
            long now = clockMs.getAsLong();
            if (now - link.lastAttemptMs >= RECONNECT_MS) {
                link.lastAttemptMs = now;
                connect(link);
            }
        }
        return link;
    }

    /** Connects to other nodes with TLS from now on (a node whose port requires it refuses plaintext). */
    public void tls(io.netty.handler.ssl.SslContext context) {
        this.tls = context;
    }

    private void connect(Link link) {
        InetSocketAddress address = addressOf.apply(link.peer);
        if (address == null) {
            return;
        }
        Channel old = link.channel;
        if (old != null) {
            old.close();
        }
        synchronized (link) {
            link.connecting = true;
        }
        ChannelFuture connect = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
                .option(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(WRITE_LOW_BYTES, WRITE_HIGH_BYTES))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        io.netty.handler.ssl.SslContext context = tls;
                        if (context != null) {
                            // Checks that the other node's certificate names the address it advertises.
                            ch.pipeline()
                                    .addLast(
                                            context.newHandler(ch.alloc(), address.getHostString(), address.getPort()));
                        }
                        ch.pipeline().addLast(new Inbound(link.peer));
                    }
                })
                .connect(address);
        connect.addListener(f -> {
            CompositeByteBuf waiting;
            synchronized (link) {
                link.connecting = false;
                waiting = link.waiting;
                link.waiting = null;
                if (f.isSuccess()) {
                    link.channel = connect.channel();
                }
            }
            if (!f.isSuccess()) {
                LOG.fine(() -> "cannot reach peer " + link.peer + " at " + address + ": " + f.cause());
                if (waiting != null) {
                    waiting.release();
                    dropped.incrementAndGet();
                }
                return;
            }
            Channel c = connect.channel();
            c.write(hello(c.alloc(), link.peer), c.voidPromise());
            if (waiting != null) {
                sentBytes.addAndGet(waiting.readableBytes());
                c.write(waiting, c.voidPromise());
            }
            c.flush();
        });
    }

    /** Makes every hello unique, so that a receiver can refuse one it has seen (a replay). */
    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    private ByteBuf hello(ByteBufAllocator allocator, NodeId to) {
        long now = clockMs.getAsLong();
        byte[] nonce = new byte[PeerHello.NONCE_BYTES];
        NONCES.nextBytes(nonce);
        ByteBuf signed = allocator.heapBuffer(PeerHello.SIGNED_BYTES);
        PeerHello.writeSigned(signed, self, to, now, nonce);
        byte[] bytes = new byte[PeerHello.SIGNED_BYTES];
        signed.readBytes(bytes);
        signed.release();
        ByteBuf out = allocator.directBuffer(FrameHeader.BYTES + PeerHello.SIGNED_BYTES + PeerHello.MAC_BYTES);
        int start = FrameHeader.begin(out, FrameType.PEER_HELLO, 0);
        new PeerHello(self, to, now, nonce, signer.apply(bytes)).write(out);
        FrameHeader.finish(out, start);
        return out;
    }

    /** A peer only writes to us to refuse the hello; log it, the connection closes. */
    private static final class Inbound extends ChannelInboundHandlerAdapter {
        private final NodeId peer;

        Inbound(NodeId peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            LOG.warning("peer " + peer + " refused this node's data connection (a different cluster key?)");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.fine(() -> "peer connection to " + peer + " failed: " + cause);
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
