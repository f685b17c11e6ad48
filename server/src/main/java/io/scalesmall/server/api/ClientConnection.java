package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.CreateStreamRequest;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.HelloResponse;
import io.scalesmall.protocol.LagRequest;
import io.scalesmall.protocol.LagResponse;
import io.scalesmall.protocol.MembersRequest;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PeerHello;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.PullRequest;
import io.scalesmall.protocol.RecordReader;
import io.scalesmall.protocol.ReplicateHeader;
import io.scalesmall.protocol.StreamNames;
import io.scalesmall.protocol.UnsubscribeRequest;
import io.scalesmall.server.replication.AckSink;
import io.scalesmall.server.replication.DataAgent;
import io.scalesmall.server.replication.DataStats;
import io.scalesmall.server.storage.RangeLog;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection: answers HELLO, validates and compresses PUBLISH batches before handing
 * them to the data agent, serves FETCH/SUBSCRIBE through {@link RangeReader}s, and answers
 * METADATA, MEMBERS and CREATE_STREAM. Every bad request gets an ERROR naming the problem; only a broken
 * framing closes the connection. A connection that starts with an authenticated PEER_HELLO
 * instead is another node's data link: it carries REPLICATE, PROGRESS and PULL frames, which go
 * to the data agent unanswered.
 *
 * <p>Memory stays bounded per connection: reading stops while the connection's unacknowledged
 * publishes exceed their byte bound or while its outbound buffer is full (a client that does not
 * read its acks), and resumes when acks leave or the buffer drains.
 *
 * <p>Runs on its channel's event loop, except the {@link AckSink} methods, which the data agent
 * calls on its own thread: they collect acks in a buffer that {@link #flush} writes in one go.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements AckSink {
    private static final Logger LOG = Logger.getLogger(ClientConnection.class.getName());
    /** A peer hello whose clock is further away than this is refused (replay protection). */
    static final long PEER_HELLO_MAX_SKEW_MS = 60_000;

    private final ClientServer server;
    private final ApiConfig config;
    private final DataAgent agent;
    private final DataStats stats;
    private final RecordReader recordReader = new RecordReader();
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final Map<Integer, RangeReader> reads = new HashMap<>();
    private Channel channel;
    private DurabilityPolicy sessionPolicy;
    private NodeId peer;
    private volatile boolean pausedForInFlight;
    private ByteBuf pendingAcks;

    ClientConnection(ClientServer server, ApiConfig config, DataAgent agent) {
        this.server = server;
        this.config = config;
        this.agent = agent;
        this.stats = agent.stats();
    }

    /** Whether this connection counts against {@code max.connections} (not another node's). */
    private boolean countedAsClient;
    /** Whether the node had its {@code max.connections} already when this one opened. */
    private boolean overLimit;
    /** Whether HELLO or PEER_HELLO succeeded. */
    private boolean greeted;
    /** The session's principal was removed from auth.file: it is served nothing more. */
    private boolean revoked;
    /** Who this session is, when the node requires a credential; null otherwise (or for a peer). */
    private Principals.Principal principal;
    /** The principal this connection counts against, once counted. */
    private String countedPrincipal;
    /** Streams this session may publish to / consume from, decided once per stream. */
    private final Map<String, Boolean> mayPublish = new HashMap<>();

    private final Map<String, Boolean> mayConsume = new HashMap<>();

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        countedAsClient = true;
        overLimit = stats.clientConnected() > config.maxConnections();
        channel.eventLoop()
                .schedule(this::helloDeadline, config.helloTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    /** Closes the connection once what was written (an ERROR saying why) has left. */
    private void closeAfterWrites() {
        channel.writeAndFlush(channel.alloc().buffer(0)).addListener(f -> channel.close());
    }

    /** Closes a connection that has not said HELLO in time: idle sockets hold nothing for long. */
    private void helloDeadline() {
        if (!greeted && channel.isActive()) {
            stats.helloTimedOut();
            writeError(channel, 0, ErrorCode.HELLO_REQUIRED, "no HELLO within " + config.helloTimeoutMs() + " ms");
            closeAfterWrites();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FrameDecoder.BadFrame bad) {
            stats.refused(bad.code());
            writeError(channel, bad.requestId(), bad.code(), bad.message());
            if (bad.fatal()) {
                ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(f -> ctx.close());
            }
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        if (revoked) {
            frame.release(); // the connection is closing: nothing more is served
            return;
        }
        int requestId = FrameHeader.requestId(frame);
        try {
            handle(frame, requestId);
        } catch (ProtocolException e) {
            stats.refused(e.code());
            writeError(channel, requestId, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "request " + requestId + " failed", e);
            stats.refused(ErrorCode.INTERNAL_ERROR);
            writeError(channel, requestId, ErrorCode.INTERNAL_ERROR, e.toString());
        } finally {
            frame.release();
        }
    }

    private void handle(ByteBuf frame, int requestId) {
        int typeCode = FrameHeader.typeCode(frame);
        FrameType type = FrameType.fromCode(typeCode);
        FrameHeader.skip(frame);
        if (type == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_REQUEST_TYPE, "unknown frame type " + typeCode);
        }
        switch (type) {
            case PEER_HELLO -> {
                peerHello(PeerHello.read(frame), requestId);
                return;
            }
            case REPLICATE, PROGRESS, PULL -> {
                if (peer == null) {
                    throw new ProtocolException(ErrorCode.HELLO_REQUIRED, type + " is for authenticated peers only");
                }
                peerFrame(type, frame);
                return;
            }
            default -> {}
        }
        if (type != FrameType.HELLO && sessionPolicy == null) {
            throw new ProtocolException(ErrorCode.HELLO_REQUIRED, "send HELLO before " + type);
        }
        switch (type) {
            case HELLO -> hello(HelloRequest.read(frame), requestId);
            case PUBLISH -> publish(frame, requestId);
            case FETCH -> read(FetchRequest.read(frame), requestId, false);
            case SUBSCRIBE -> read(FetchRequest.read(frame), requestId, true);
            case UNSUBSCRIBE -> unsubscribe(UnsubscribeRequest.read(frame), requestId);
            case METADATA -> metadata(MetadataRequest.read(frame), requestId);
            case CREATE_STREAM -> createStream(CreateStreamRequest.read(frame), requestId);
            case MEMBERS -> members(MembersRequest.read(frame), requestId);
            case LAG -> lag(LagRequest.read(frame), requestId);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_REQUEST_TYPE, type + " is not a request");
        }
    }

    private void hello(HelloRequest hello, int requestId) {
        if (greeted) {
            // One session per connection: a second HELLO may not change its principal or policy.
            throw new ProtocolException(ErrorCode.INVALID_REQUEST, "HELLO was already said on this connection");
        }
        if (overLimit) {
            stats.connectionOverLimit();
            LOG.fine(() -> "refused a client connection from " + channel.remoteAddress() + ": max.connections reached");
            writeError(
                    channel,
                    requestId,
                    ErrorCode.BUSY,
                    "this node has " + config.maxConnections()
                            + " client connections, its limit (max.connections); retry later or connect to another node");
            closeAfterWrites();
            return;
        }
        Principals principals = server.principals();
        Principals.Principal who = null;
        if (principals != null) {
            who = principals.authenticate(hello.token());
            javax.security.auth.x500.X500Principal subject = null;
            if (who == null && hello.token() == null) {
                subject = clientCertificateSubject();
                who = subject == null ? null : principals.authenticateCertificate(subject);
            }
            if (who == null) {
                String why = hello.token() != null
                        ? "unknown credential"
                        : subject != null
                                ? "no principal names the client certificate's subject " + subject.getName()
                                : "this node requires a credential: send a token in HELLO, or connect with a"
                                        + " client certificate whose subject a principal names";
                stats.refused(ErrorCode.UNAUTHENTICATED);
                LOG.fine(() -> "refused a client from " + channel.remoteAddress() + ": " + why);
                writeError(channel, requestId, ErrorCode.UNAUTHENTICATED, why);
                closeAfterWrites();
                return;
            }
        }
        checkSatisfiable(hello.policy());
        if (who != null) {
            int open = server.principalConnected(who.name());
            if (open > config.maxConnectionsPerPrincipal()) {
                server.principalDisconnected(who.name());
                stats.connectionOverPrincipalLimit();
                writeError(
                        channel,
                        requestId,
                        ErrorCode.BUSY,
                        "principal " + who.name() + " has " + config.maxConnectionsPerPrincipal()
                                + " connections to this node, its limit (max.connections.per.principal)");
                closeAfterWrites();
                return;
            }
            countedPrincipal = who.name();
        }
        principal = who; // only once every check passed
        greeted = true;
        sessionPolicy = hello.policy();
        ByteBuf out = channel.alloc().buffer(64);
        int start = FrameHeader.begin(out, FrameType.HELLO_OK, requestId);
        new HelloResponse(agent.nodeId(), config.maxFrameBytes(), config.maxMessageBytes(), 1, server.maxCopies())
                .write(out);
        FrameHeader.finish(out, start);
        channel.write(out, channel.voidPromise());
    }

    private void peerHello(PeerHello hello, int requestId) {
        byte[] signed = new byte[PeerHello.SIGNED_BYTES];
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.wrappedBuffer(signed);
        buf.writerIndex(0);
        PeerHello.writeSigned(buf, hello.from(), hello.to(), hello.timestampMs(), hello.nonce());
        long nowMs = System.currentTimeMillis();
        long skewMs = Math.abs(nowMs - hello.timestampMs());
        String refusal = skewMs > PEER_HELLO_MAX_SKEW_MS
                ? "clock " + skewMs + " ms away"
                : !hello.to().equals(agent.nodeId())
                        ? "a hello for node " + hello.to() + " (replayed, or an address that changed hands?)"
                        : !server.verifyPeer(signed, hello.mac())
                                ? "bad MAC (another cluster key?)"
                                : !server.seenHellos().firstTime(hello.mac(), nowMs)
                                        ? "a hello this node already took (replayed?)"
                                        : null;
        if (refusal != null) {
            LOG.warning("refused a data connection from " + channel.remoteAddress() + " claiming to be node "
                    + hello.from() + ": " + refusal);
            stats.refused(ErrorCode.HELLO_REQUIRED);
            writeError(channel, requestId, ErrorCode.HELLO_REQUIRED, "peer hello refused");
            closeAfterWrites();
            return;
        }
        peer = hello.from();
        greeted = true;
        if (countedAsClient) {
            // Other nodes' connections do not count against max.connections.
            countedAsClient = false;
            overLimit = false;
            stats.clientDisconnected();
            stats.peerConnection(1);
        }
        FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
        if (decoder != null) {
            decoder.allowPeerFrames();
        }
    }

    private void peerFrame(FrameType type, ByteBuf frame) {
        boolean queued;
        switch (type) {
            case REPLICATE -> {
                ReplicateHeader header = ReplicateHeader.read(frame);
                ByteBuf batches = frame.retainedSlice();
                queued = agent.execute(() -> agent.replicate(header, batches));
                if (!queued) {
                    batches.release();
                }
            }
            case PROGRESS -> {
                ProgressReport report = ProgressReport.read(frame);
                queued = agent.execute(() -> agent.progress(report));
            }
            case PULL -> {
                PullRequest request = PullRequest.read(frame);
                queued = agent.execute(() -> agent.pull(request));
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        if (!queued) {
            LOG.fine(() -> "data agent busy: dropped a " + type + " from " + peer + "; repair recovers it");
        }
    }

    private void checkSatisfiable(DurabilityPolicy policy) {
        int max = server.maxCopies();
        if (policy.replicasNeeded() > max) {
            throw new ProtocolException(
                    ErrorCode.POLICY_NOT_SATISFIABLE,
                    "durability policy " + policy + " needs " + policy.replicasNeeded()
                            + " replicas but the cluster has " + max + " live node" + (max == 1 ? "" : "s")
                            + " (at most " + (max == 1 ? "memory=1,disk=1" : "memory=" + max + ",disk=" + max) + ")");
        }
    }

    /**
     * Refuses what the session's principal may not do on {@code stream}; decided once per session
     * and stream, so the data path pays one map lookup.
     */
    private void authorize(Principals.Action action, String stream) {
        if (principal == null) {
            return;
        }
        Map<String, Boolean> decided = action == Principals.Action.PUBLISH ? mayPublish : mayConsume;
        Boolean may = decided.get(stream);
        if (may == null) {
            if (decided.size() >= 4096) {
                decided.clear(); // bounded, whatever names a client tries
            }
            may = principal.may(action, stream);
            decided.put(stream, may);
        }
        if (!may) {
            throw new ProtocolException(
                    ErrorCode.NOT_AUTHORIZED,
                    "principal " + principal.name() + " may not "
                            + (action == Principals.Action.PUBLISH ? "publish to" : "consume from") + " stream '"
                            + stream + "'");
        }
    }

    private void publish(ByteBuf frame, int requestId) {
        int frameBytes = frame.writerIndex();
        PublishRequest req = PublishRequest.read(frame);
        StreamNames.validate(req.stream());
        authorize(Principals.Action.PUBLISH, req.stream());
        DurabilityPolicy policy = sessionPolicy;
        if (req.policyOverride() != null) {
            checkSatisfiable(req.policyOverride());
            policy = req.policyOverride();
        }
        int at = req.batchOffset();
        PublishedBatch.check(frame, at, frame.writerIndex() - at, recordReader, config.maxMessageBytes());
        ByteBuf stored = BatchCompression.compress(frame, at, channel.alloc());
        long inFlight = inFlightBytes.addAndGet(frameBytes);
        stats.publishArrived(frameBytes);
        DurabilityPolicy p = policy;
        long receivedNanos = System.nanoTime();
        if (!agent.execute(() ->
                agent.publish(req.stream(), req.rangeId(), stored, p, this, requestId, frameBytes, receivedNanos))) {
            stored.release();
            inFlightBytes.addAndGet(-frameBytes);
            stats.publishAnswered(frameBytes);
            throw new ProtocolException(ErrorCode.BUSY, "node is busy or stopping; retry");
        }
        if (inFlight > config.maxInFlightBytesPerConnection()) {
            pausedForInFlight = true;
            updateAutoRead();
        }
    }

    /** The log of a range to read here, or the error a reader gets. */
    private RangeLog readableLog(String stream, int rangeId) {
        StreamNames.validate(stream);
        if (agent.catalog().stream(stream) == null && server.placement().view().stream(stream) == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_STREAM, "stream '" + stream + "' does not exist");
        }
        RangeLog log;
        try {
            log = agent.log(stream, rangeId);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.STORAGE_ERROR, "cannot read " + stream + ": " + e.getMessage());
        }
        if (log == null) {
            throw new ProtocolException(
                    ErrorCode.NOT_A_REPLICA,
                    "range " + rangeId + " of " + stream + " is not held by this node; refresh the metadata");
        }
        return log;
    }

    private void read(FetchRequest req, int requestId, boolean subscription) {
        StreamNames.validate(req.stream());
        authorize(Principals.Action.CONSUME, req.stream());
        RangeLog log = readableLog(req.stream(), req.rangeId());
        if (subscription && reads.size() >= config.maxSubscriptionsPerConnection()) {
            reads.values().removeIf(RangeReader::isDone);
            if (reads.size() >= config.maxSubscriptionsPerConnection()) {
                throw new ProtocolException(
                        ErrorCode.INVALID_REQUEST,
                        "at most " + config.maxSubscriptionsPerConnection()
                                + " subscriptions per connection (max.subscriptions.per.connection)");
            }
        }
        int maxBytes = Math.min(req.maxBytes(), config.maxFrameBytes() - 1024);
        RangeReader reader = new RangeReader(
                channel, agent, requestId, subscription, req.stream(), req.rangeId(), log, maxBytes, req.maxWaitMs());
        if (subscription) {
            RangeReader old = reads.put(requestId, reader);
            if (old != null) {
                old.close();
            }
        }
        reader.start(req.start());
    }

    /** Counts what lies after a position in a range; the header walk runs off the event loop. */
    private void lag(LagRequest req, int requestId) {
        StreamNames.validate(req.stream());
        authorize(Principals.Action.CONSUME, req.stream());
        RangeLog log = readableLog(req.stream(), req.rangeId());
        RangeReader.resolve(
                channel,
                agent,
                req.stream(),
                req.rangeId(),
                req.start(),
                resolved -> {
                    if (resolved == null) {
                        lagFailed(
                                requestId,
                                ErrorCode.NOT_A_REPLICA,
                                "range " + req.rangeId() + " of " + req.stream() + " is not held by this node");
                        return;
                    }
                    var claim = agent.catalog().range(req.stream(), req.rangeId());
                    boolean sealed = claim != null && claim.sealed();
                    try {
                        server.countLag(() -> countLag(req, requestId, log, resolved, sealed));
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        lagFailed(requestId, ErrorCode.BUSY, "too many lag counts at once; retry");
                    }
                },
                (code, message) -> lagFailed(requestId, code, message));
    }

    private void countLag(LagRequest req, int requestId, RangeLog log, DataAgent.ReadStart start, boolean sealed) {
        LagResponse lag;
        try {
            lag = LagCounter.count(req.rangeId(), log, start, sealed, agent.refusals(req.stream(), req.rangeId()));
        } catch (IOException | RuntimeException e) {
            channel.eventLoop()
                    .execute(() ->
                            lagFailed(requestId, ErrorCode.STORAGE_ERROR, "cannot count " + req.stream() + ": " + e));
            return;
        }
        channel.eventLoop().execute(() -> {
            ByteBuf out = channel.alloc().buffer(64);
            int at = FrameHeader.begin(out, FrameType.LAG_OK, requestId);
            lag.write(out);
            FrameHeader.finish(out, at);
            channel.writeAndFlush(out, channel.voidPromise());
        });
    }

    /** Answers a LAG with an error. Event loop. */
    private void lagFailed(int requestId, ErrorCode code, String message) {
        stats.refused(code);
        writeError(channel, requestId, code, message);
        channel.flush();
    }

    private void unsubscribe(UnsubscribeRequest req, int requestId) {
        RangeReader reader = reads.remove(req.subscriptionId());
        if (reader != null) {
            reader.close();
        }
        ByteBuf out = channel.alloc().buffer(FrameHeader.BYTES);
        int start = FrameHeader.begin(out, FrameType.UNSUBSCRIBE_OK, requestId);
        FrameHeader.finish(out, start);
        channel.write(out, channel.voidPromise());
    }

    private void metadata(MetadataRequest req, int requestId) {
        MetadataResponse response;
        if (principal == null) {
            response = server.metadata(req);
        } else {
            // A principal learns only of streams it may use.
            for (String stream : req.streams()) {
                if (!principal.mayAny(stream)) {
                    throw new ProtocolException(
                            ErrorCode.NOT_AUTHORIZED,
                            "principal " + principal.name() + " may not use stream '" + stream + "'");
                }
            }
            response = server.metadata(req, principal::mayAny);
        }
        ByteBuf out = channel.alloc().buffer(256);
        int start = FrameHeader.begin(out, FrameType.METADATA_OK, requestId);
        response.write(out);
        FrameHeader.finish(out, start);
        channel.write(out, channel.voidPromise());
    }

    private void members(MembersRequest req, int requestId) {
        ByteBuf out = channel.alloc().buffer(256);
        try {
            int start = FrameHeader.begin(out, FrameType.MEMBERS_OK, requestId);
            server.members().write(out);
            FrameHeader.finish(out, start);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        channel.write(out, channel.voidPromise());
    }

    private void createStream(CreateStreamRequest req, int requestId) {
        StreamNames.validate(req.stream());
        authorize(Principals.Action.PUBLISH, req.stream());
        ByteBuf out = channel.alloc().buffer(FrameHeader.BYTES + 1);
        try {
            boolean created = server.placement().createStream(req.stream(), req.options(), 0);
            int start = FrameHeader.begin(out, FrameType.CREATE_STREAM_OK, requestId);
            out.writeByte(created ? 1 : 0);
            FrameHeader.finish(out, start);
            channel.write(out, channel.voidPromise());
        } catch (IllegalStateException e) {
            out.release();
            throw new ProtocolException(ErrorCode.STREAM_EXISTS, e.getMessage());
        } catch (IOException e) {
            out.release();
            throw new ProtocolException(ErrorCode.STORAGE_ERROR, "cannot create stream: " + e.getMessage());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateAutoRead();
        if (channel.isWritable()) {
            for (RangeReader reader : reads.values()) {
                if (!reader.isDone()) {
                    reader.pump();
                }
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    /**
     * The subject of the certificate this connection's client showed and the TLS handshake
     * verified against {@code tls.ca.file}, or null (plaintext, or no client certificate).
     */
    private javax.security.auth.x500.X500Principal clientCertificateSubject() {
        io.netty.handler.ssl.SslHandler ssl = channel.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            java.security.cert.Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate x509
                    ? x509.getSubjectX500Principal()
                    : null;
        } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
            return null;
        }
    }

    /** The event {@link ClientServer} fires at every connection when the principals file changed. */
    static final Object PRINCIPALS_CHANGED = new Object();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == PRINCIPALS_CHANGED) {
            principalsChanged();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    /**
     * Checks the session against the principals file as it is now, as a new session would be: a
     * principal removed, or whose token changed, is refused UNAUTHENTICATED and the connection
     * closes; otherwise the session takes the principal's new permissions, and a subscription to a
     * stream it may no longer consume from ends with NOT_AUTHORIZED. Event loop.
     */
    private void principalsChanged() {
        Principals principals = server.principals();
        if (revoked || principal == null || principals == null || !channel.isActive()) {
            return;
        }
        Principals.Principal now = principals.current(principal);
        if (now == null) {
            LOG.info("closing a session of principal " + principal.name() + " from " + channel.remoteAddress()
                    + ": the principal or its credential is no longer in auth.file");
            // Nothing more is served from now on: the requests already read are dropped, and the
            // connection closes at once, not after the error has left (a client that reads nothing
            // would keep it open, and waiting fetches would still answer). The error goes out first
            // when the socket has room; a client that reconnects is told at its HELLO otherwise.
            revoked = true;
            reads.values().forEach(RangeReader::close);
            reads.clear();
            channel.config().setAutoRead(false);
            stats.refused(ErrorCode.UNAUTHENTICATED);
            writeError(
                    channel,
                    0,
                    ErrorCode.UNAUTHENTICATED,
                    "the credential of principal " + principal.name() + " was revoked");
            channel.flush();
            channel.close();
            return;
        }
        principal = now;
        mayPublish.clear();
        mayConsume.clear();
        for (var it = reads.entrySet().iterator(); it.hasNext(); ) {
            RangeReader reader = it.next().getValue();
            if (!reader.isDone() && !now.may(Principals.Action.CONSUME, reader.stream())) {
                it.remove();
                stats.refused(ErrorCode.NOT_AUTHORIZED);
                reader.fail(
                        ErrorCode.NOT_AUTHORIZED,
                        "principal " + now.name() + " may no longer consume from stream '" + reader.stream() + "'");
            }
        }
        channel.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (countedPrincipal != null) {
            server.principalDisconnected(countedPrincipal);
            countedPrincipal = null;
        }
        if (countedAsClient) {
            countedAsClient = false;
            stats.clientDisconnected();
        } else if (peer != null) {
            stats.peerConnection(-1);
        }
        reads.values().forEach(RangeReader::close);
        reads.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "connection " + ctx.channel() + " failed", cause);
        ctx.close();
    }

    private void updateAutoRead() {
        boolean overInFlight = inFlightBytes.get() > config.maxInFlightBytesPerConnection();
        pausedForInFlight = overInFlight;
        channel.config().setAutoRead(!revoked && !overInFlight && channel.isWritable());
    }

    // ---- AckSink: called on the data agent thread ----

    @Override
    public void publishOk(
            int requestId, int inFlightBytes, PublishResponse response, DurabilityPolicy policy, long receivedNanos) {
        stats.acked(policy, System.nanoTime() - receivedNanos);
        ByteBuf out = acks();
        int start = FrameHeader.begin(out, FrameType.PUBLISH_OK, requestId);
        response.write(out);
        FrameHeader.finish(out, start);
        release(inFlightBytes);
    }

    @Override
    public void publishFailed(int requestId, int inFlightBytes, ErrorCode code, String message) {
        stats.refused(code);
        ByteBuf out = acks();
        int start = FrameHeader.begin(out, FrameType.ERROR, requestId);
        new ErrorResponse(code, message).write(out);
        FrameHeader.finish(out, start);
        release(inFlightBytes);
    }

    @Override
    public void publishMisrouted(int requestId, int inFlightBytes, ErrorCode code, String message, String stream) {
        // A producer that hits a split has a burst of batches refused: describe the stream once
        // per placement view (data agent thread, like every call of this sink).
        Object view = server.placement().view();
        if (view != misroutedView || !stream.equals(misroutedStream)) {
            try {
                misroutedPlacement = server.metadata(new MetadataRequest(List.of(stream)));
            } catch (RuntimeException e) {
                misroutedPlacement = null; // the stream is not known here: the client asks for metadata
            }
            misroutedView = view;
            misroutedStream = stream;
        }
        MetadataResponse placement = misroutedPlacement;
        stats.refused(code);
        ByteBuf out = acks();
        int start = FrameHeader.begin(out, FrameType.ERROR, requestId);
        new ErrorResponse(code, message, placement).write(out);
        FrameHeader.finish(out, start);
        release(inFlightBytes);
    }

    // The placement last sent with a misrouted publish's answer. Data agent thread.
    private Object misroutedView;
    private String misroutedStream;
    private MetadataResponse misroutedPlacement;

    @Override
    public void flush() {
        ByteBuf out = pendingAcks;
        pendingAcks = null;
        if (out != null) {
            channel.writeAndFlush(out, channel.voidPromise());
        }
    }

    private ByteBuf acks() {
        if (pendingAcks == null) {
            pendingAcks = channel.alloc().directBuffer(1024);
        }
        return pendingAcks;
    }

    private void release(int bytes) {
        stats.publishAnswered(bytes);
        long now = inFlightBytes.addAndGet(-bytes);
        if (pausedForInFlight && now <= config.maxInFlightBytesPerConnection()) {
            channel.eventLoop().execute(this::updateAutoRead);
        }
    }

    /** Writes an ERROR frame (not flushed). Any thread. */
    static void writeError(Channel channel, int requestId, ErrorCode code, String message) {
        ByteBuf out = channel.alloc().buffer(64 + message.length());
        int start = FrameHeader.begin(out, FrameType.ERROR, requestId);
        new ErrorResponse(code, message).write(out);
        FrameHeader.finish(out, start);
        channel.write(out, channel.voidPromise());
    }
}
