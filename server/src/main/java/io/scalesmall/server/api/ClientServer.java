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
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.server.placement.StreamCatalog.RangeDescriptor;
import io.scalesmall.server.placement.StreamCatalog.StreamDescriptor;
import io.scalesmall.server.replication.DataAgent;
import io.scalesmall.server.storage.RangeLog;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client protocol listener: a Netty server (epoll where available, NIO otherwise) whose
 * connections are served by {@link ClientConnection}s. It also answers what connections ask
 * about the node as a whole: metadata, the member table (from its {@link MemberSource}) and how
 * many copies a policy may ask for.
 *
 * <p>Thread-safe after {@link #start}.
 */
public final class ClientServer implements AutoCloseable {
    private final ApiConfig config;
    private final DataAgent agent;
    private final MemberSource members;
    private EventLoopGroup group;
    private Channel serverChannel;
    private InetSocketAddress boundAddress;

    /**
     * @param config listener settings
     * @param agent the data agent that owns the ranges
     * @param members answers MEMBERS requests (called on I/O threads)
     */
    public ClientServer(ApiConfig config, DataAgent agent, MemberSource members) {
        this.config = config;
        this.agent = agent;
        this.members = members;
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
                        ch.pipeline()
                                .addLast("frames", new FrameDecoder(config.maxFrameBytes()))
                                .addLast("requests", new ClientConnection(ClientServer.this, config, agent));
                    }
                });
        serverChannel = bootstrap.bind(config.host(), config.port()).sync().channel();
        boundAddress = (InetSocketAddress) serverChannel.localAddress();
    }

    /** The address the listener is bound to (with the real port when 0 was asked). */
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /** Most copies a durability policy may ask for: one per live node (one node today). */
    int maxCopies() {
        return 1;
    }

    /** Describes the asked streams (all when none is named). */
    MetadataResponse metadata(MetadataRequest req) {
        Collection<StreamDescriptor> streams;
        if (req.streams().isEmpty()) {
            streams = agent.catalog().all();
        } else {
            streams = new ArrayList<>();
            for (String name : req.streams()) {
                StreamDescriptor s = agent.catalog().get(name);
                if (s == null) {
                    throw new ProtocolException(ErrorCode.UNKNOWN_STREAM, "stream '" + name + "' does not exist");
                }
                streams.add(s);
            }
        }
        List<MetadataResponse.Stream> out = new ArrayList<>();
        for (StreamDescriptor s : streams) {
            List<MetadataResponse.Range> ranges = new ArrayList<>();
            for (RangeDescriptor r : s.ranges()) {
                RangeLog log = agent.log(s.name(), r.rangeId());
                long size = log == null ? 0 : log.sizeBytes();
                long batches = log == null ? 0 : log.batchCount();
                ranges.add(new MetadataResponse.Range(
                        r.rangeId(), r.firstHash(), r.lastHash(), List.of(0), size, batches, -1));
            }
            out.add(new MetadataResponse.Stream(s.name(), s.options(), ranges));
        }
        String host = config.advertisedHost();
        return new MetadataResponse(
                agent.nodeId(), List.of(new MetadataResponse.Node(agent.nodeId(), host, boundAddress.getPort())), out);
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

    /** Stops accepting and closes every connection. */
    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
