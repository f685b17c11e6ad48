package io.scalesmall.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.scalesmall.protocol.FrameHeader;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The client's Netty I/O: one event loop group (epoll when available, else NIO) shared by the
 * publishing connection and every subscription connection, and the pipeline all of them use
 * (length-prefixed framing, then {@link FrameHandler}).
 *
 * <p>Thread-safe.
 */
final class Transport implements AutoCloseable {
    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;

    private final ClientConfig config;
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelClass;
    /** The TLS context when the client connects with TLS, else null. */
    private final io.netty.handler.ssl.SslContext tls;

    Transport(ClientConfig config) {
        this.config = config;
        // First: a bad TLS file fails here, before any thread exists.
        this.tls = config.tls() ? tlsContext(config) : null;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(
                config.ioThreads(), new DefaultThreadFactory("scalesmall-client-io", true), factory);
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The TLS context of {@link ClientConfig#tls()}: the CA to trust, the certificate to show. */
    private static io.netty.handler.ssl.SslContext tlsContext(ClientConfig config) {
        try {
            io.netty.handler.ssl.SslContextBuilder b =
                    io.netty.handler.ssl.SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
            if (config.tlsCaFile() != null) {
                b.trustManager(config.tlsCaFile().toFile());
            }
            if (config.tlsCertFile() != null) {
                b.keyManager(config.tlsCertFile().toFile(), config.tlsKeyFile().toFile());
            }
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** An event loop of the group, to own a connection for its whole life. */
    EventLoop nextLoop() {
        return group.next();
    }

    /** Whether the calling thread is one of this client's I/O threads. */
    boolean inIoThread() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** Opens a connection on {@code loop} whose frames go to {@code listener}. */
    ChannelFuture connect(EventLoop loop, InetSocketAddress address, FrameHandler.Listener listener) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs())
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            // Checks that the node's certificate names the host connected to.
                            ch.pipeline()
                                    .addLast(
                                            "tls",
                                            tls.newHandler(ch.alloc(), address.getHostString(), address.getPort()));
                        }
                        ch.pipeline()
                                .addLast(
                                        "framer",
                                        new LengthFieldBasedFrameDecoder(
                                                config.maxFrameBytes(), 0, FrameHeader.LENGTH_FIELD_BYTES, 0, 0))
                                .addLast("frames", new FrameHandler(listener));
                    }
                });
        return bootstrap.connect(address);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** Waits for the I/O threads to end after {@link #close()}; must not run on one of them. */
    void awaitTermination() {
        group.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS * 2);
    }
}
