package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.HelloResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.UnsubscribeRequest;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection of a subscription, to one node: HELLO, one SUBSCRIBE per range it serves, then
 * SUBSCRIBE_DATA frames handed to the {@link Owner}; UNSUBSCRIBE on close. It reconnects when told
 * to, to the next of its servers after a backoff.
 *
 * <p>The <i>primary</i> connection (to the configured servers, in turn) also asks for the
 * stream's METADATA, at setup and every {@value #METADATA_REFRESH_MS} ms: it subscribes to the
 * ranges its node holds and hands the others to the owner, which gives them to a connection to one
 * of their holders; so ranges that placement changes create are picked up as they appear. Other
 * connections subscribe to the ranges the owner assigns them.
 *
 * <p>Phases: IDLE → CONNECTING → HELLO_SENT → (primary: METADATA_SENT →) SUBSCRIBED → CLOSING;
 * any phase returns to IDLE when the connection ends. An unanswered setup ({@code
 * requestTimeoutMs}) ends the connection.
 *
 * <p>Flow control: when the owner holds {@code subscriptionQueueFrames} frames, reading from the
 * socket stops (autoRead off); {@link #requestResume()} turns it back on once half are gone. Both
 * decisions are taken on the event loop, so they cannot cross.
 *
 * <p>Owned by its event loop, except {@link #requestResume()} and {@link #isPaused()}.
 */
final class SubscriptionConnection implements FrameHandler.Listener {
    private static final System.Logger LOG = System.getLogger(SubscriptionConnection.class.getName());

    /** The subscription the frames are for; called on the event loop. */
    interface Owner {
        /** Takes a retained SUBSCRIBE_DATA frame, reader index at the body. */
        void onFrame(ByteBuf frame);

        /** The connection ended; frames handed over before stay valid. */
        void onLost(SubscriptionConnection connection);

        /**
         * The primary found a range its node does not hold: subscribe to it on a connection to one
         * of {@code holders} (client addresses), unless that is done already.
         */
        void assignElsewhere(int rangeId, List<InetSocketAddress> holders);

        /** The primary may serve a range its node holds: true unless another connection does. */
        boolean takeForPrimary(int rangeId, SubscriptionConnection primary);

        /**
         * The ranges to read now: in each key slice, the oldest one the reader has not read to its
         * end (ranges are read in the order placement created them, so each producer's messages
         * come in order).
         */
        Set<Integer> frontier(MetadataResponse.Stream stream);

        /**
         * Whether the reader reached {@code rangeId} after older ranges of its keys that it reads:
         * it then reads the range from its beginning, whatever the subscription's start.
         */
        boolean followsRead(int rangeId);

        /** The server refused the subscription for good. */
        void onFatal(ScaleSmallException error);

        /** Frames handed over and not yet processed. */
        int queuedFrames();

        /** Whether the subscription ended. */
        boolean isClosed();
    }

    private enum Phase {
        IDLE,
        CONNECTING,
        HELLO_SENT,
        METADATA_SENT,
        SUBSCRIBED,
        CLOSING
    }

    private final ClientConfig config;
    private final Transport transport;
    private final EventLoop loop;
    private final String stream;
    private final Owner owner;
    private final int pauseAtFrames;
    private final int resumeAtFrames;
    private final Backoff backoff;
    private final AtomicBoolean resumeRequested = new AtomicBoolean();
    private volatile boolean paused;

    private static final long METADATA_REFRESH_MS = 1_000;

    private final List<InetSocketAddress> servers;
    private final boolean primary;
    /** Ranges this connection serves (a non-primary's assignment; the primary's own). */
    private final Set<Integer> ranges = new LinkedHashSet<>();
    /** SUBSCRIBE request id of each range subscribed on the current channel. */
    private final Map<Integer, Integer> subscribeIds = new HashMap<>();

    private Phase phase = Phase.IDLE;
    private Channel channel;
    private int serverIndex;
    private int nextRequestId;
    private int helloId;
    private int metadataId;
    private NodeId nodeId;
    private boolean refreshScheduled;
    private int unsubscribesPending;
    private ResumePlan plan;

    /** The primary connection: the configured servers, from {@code serverIndex} on. */
    SubscriptionConnection(ClientConfig config, Transport transport, String stream, int serverIndex, Owner owner) {
        this(config, transport, transport.nextLoop(), stream, config.servers(), serverIndex, true, owner);
    }

    /** A connection to one node, on the primary's loop, for the ranges it is assigned. */
    SubscriptionConnection(
            ClientConfig config,
            Transport transport,
            EventLoop loop,
            String stream,
            InetSocketAddress node,
            Owner owner) {
        this(config, transport, loop, stream, List.of(node), 0, false, owner);
    }

    private SubscriptionConnection(
            ClientConfig config,
            Transport transport,
            EventLoop loop,
            String stream,
            List<InetSocketAddress> servers,
            int serverIndex,
            boolean primary,
            Owner owner) {
        this.config = config;
        this.transport = transport;
        this.loop = loop;
        this.stream = stream;
        this.servers = List.copyOf(servers);
        this.primary = primary;
        this.serverIndex = serverIndex;
        this.owner = owner;
        this.pauseAtFrames = config.subscriptionQueueFrames();
        this.resumeAtFrames = config.subscriptionQueueFrames() / 2;
        this.backoff = new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs());
    }

    EventLoop loop() {
        return loop;
    }

    /** Whether this is the primary connection. */
    boolean isPrimary() {
        return primary;
    }

    /** The one server of a non-primary connection. */
    InetSocketAddress node() {
        return servers.get(0);
    }

    /** Whether reading is stopped because the owner's queue is full; any thread. */
    boolean isPaused() {
        return paused;
    }

    /** Asks the event loop to read again if the queue has drained enough; any thread. */
    void requestResume() {
        if (paused && owner.queuedFrames() <= resumeAtFrames && resumeRequested.compareAndSet(false, true)) {
            loop.execute(this::resume);
        }
    }

    private void resume() {
        resumeRequested.set(false);
        if (paused && owner.queuedFrames() <= resumeAtFrames) {
            paused = false;
            if (channel != null) {
                channel.config().setAutoRead(true);
            }
        }
    }

    /** Connects to the next server after a backoff, to resume from {@code next}. */
    void reconnectLater(ResumePlan next) {
        if (owner.isClosed()) {
            return;
        }
        serverIndex++;
        loop.schedule(() -> connect(next), backoff.nextDelayMs(), TimeUnit.MILLISECONDS);
    }

    /** Connects now, to subscribe as {@code next} says. */
    void connect(ResumePlan next) {
        if (owner.isClosed()) {
            return;
        }
        plan = next;
        if (primary) {
            // The primary finds its ranges again from the metadata of the node it reaches.
            ranges.clear();
        }
        InetSocketAddress address = servers.get(Math.floorMod(serverIndex, servers.size()));
        phase = Phase.CONNECTING;
        channel = null;
        // A loopback connect may complete, and fire onActive, inside this call.
        ChannelFuture future = transport.connect(loop, address, this);
        Channel ch = future.channel();
        if (channel == null) {
            channel = ch;
        }
        future.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.log(Level.DEBUG, "subscription to {0} cannot connect to {1}: {2}", stream, address, f.cause());
                lost(ch);
            }
        });
    }

    /** Ends the subscriptions on the server, then the connection. */
    void unsubscribe() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (phase != Phase.SUBSCRIBED || !ch.isActive()) {
            close();
            return;
        }
        phase = Phase.CLOSING;
        unsubscribesPending = subscribeIds.size();
        for (int id : subscribeIds.values()) {
            ch.write(RequestFrames.encode(
                    ch.alloc(), FrameType.UNSUBSCRIBE, ++nextRequestId, new UnsubscribeRequest(id)::write));
        }
        ch.flush();
        loop.schedule(
                () -> {
                    if (channel == ch) {
                        close();
                    }
                },
                config.requestTimeoutMs(),
                TimeUnit.MILLISECONDS);
    }

    /** Closes the connection now; the owner hears {@link Owner#onLost()} unless it is closed. */
    void close() {
        Channel ch = channel;
        if (ch != null) {
            lost(ch);
            ch.close();
        }
    }

    private void lost(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        paused = false;
        phase = Phase.IDLE;
        subscribeIds.clear();
        if (!owner.isClosed()) {
            owner.onLost(this);
        }
    }

    @Override
    public void onActive(Channel ch) {
        if (phase != Phase.CONNECTING || (channel != null && channel != ch) || owner.isClosed()) {
            ch.close();
            return;
        }
        channel = ch;
        helloId = ++nextRequestId;
        // Reading needs no durability; ask for the weakest policy so that no cluster refuses it.
        HelloRequest hello =
                new HelloRequest(config.clientId(), DurabilityPolicy.MEMORY_1, config.maxFrameBytes(), config.token());
        ch.writeAndFlush(RequestFrames.encode(ch.alloc(), FrameType.HELLO, helloId, hello::write));
        phase = Phase.HELLO_SENT;
        loop.schedule(
                () -> {
                    if (channel == ch && phase != Phase.SUBSCRIBED && phase != Phase.CLOSING) {
                        LOG.log(Level.DEBUG, "subscription to {0}: setup unanswered, reconnecting", stream);
                        close();
                    }
                },
                config.requestTimeoutMs(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void onInactive(Channel ch) {
        lost(ch);
    }

    @Override
    public void onFrame(Channel ch, FrameType type, int requestId, ByteBuf body) {
        if (ch != channel) {
            return;
        }
        switch (type) {
            case SUBSCRIBE_DATA -> onData(ch, requestId, body);
            case HELLO_OK -> {
                if (phase == Phase.HELLO_SENT && requestId == helloId) {
                    nodeId = HelloResponse.read(body).nodeId();
                    if (primary) {
                        requestMetadata(ch);
                        phase = Phase.METADATA_SENT;
                    } else {
                        phase = Phase.SUBSCRIBED;
                        for (int rangeId : ranges) {
                            subscribe(ch, rangeId);
                        }
                        ch.flush();
                        backoff.reset();
                    }
                }
            }
            case METADATA_OK -> {
                if (requestId == metadataId && (phase == Phase.METADATA_SENT || phase == Phase.SUBSCRIBED)) {
                    onMetadata(ch, MetadataResponse.read(body));
                }
            }
            case UNSUBSCRIBE_OK -> {
                if (phase == Phase.CLOSING && --unsubscribesPending <= 0) {
                    close();
                }
            }
            case ERROR -> onError(requestId, ErrorResponse.read(body));
            default -> close();
        }
    }

    private void requestMetadata(Channel ch) {
        metadataId = ++nextRequestId;
        MetadataRequest request = new MetadataRequest(List.of(stream));
        ch.writeAndFlush(RequestFrames.encode(ch.alloc(), FrameType.METADATA, metadataId, request::write));
    }

    /**
     * The primary's view of the stream's ranges: subscribes to new ones its node holds, hands the
     * others to the owner, and asks again after a while.
     */
    private void onMetadata(Channel ch, MetadataResponse metadata) {
        for (MetadataResponse.Stream s : metadata.streams()) {
            if (!s.name().equals(stream)) {
                continue;
            }
            Set<Integer> frontier = owner.frontier(s);
            for (MetadataResponse.Range r : s.ranges()) {
                if (ranges.contains(r.rangeId()) || !frontier.contains(r.rangeId())) {
                    continue;
                }
                List<InetSocketAddress> holders = new ArrayList<>(r.replicas().size());
                boolean here = false;
                for (int index : r.replicas()) {
                    MetadataResponse.Node n = metadata.nodes().get(index);
                    here |= n.id().equals(nodeId);
                    holders.add(new InetSocketAddress(n.host(), n.port()));
                }
                if (here) {
                    if (owner.takeForPrimary(r.rangeId(), this)) {
                        ranges.add(r.rangeId());
                        subscribe(ch, r.rangeId());
                    }
                } else {
                    owner.assignElsewhere(r.rangeId(), holders);
                }
            }
        }
        ch.flush();
        if (phase == Phase.METADATA_SENT) {
            phase = Phase.SUBSCRIBED;
            backoff.reset();
        }
        if (!refreshScheduled) {
            refreshScheduled = true;
            loop.schedule(
                    () -> {
                        refreshScheduled = false;
                        if (channel == ch && phase == Phase.SUBSCRIBED && !owner.isClosed()) {
                            requestMetadata(ch);
                        }
                    },
                    METADATA_REFRESH_MS,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Adds a range to a non-primary connection's assignment; subscribes at once when it can. Event loop. */
    void assign(int rangeId, ResumePlan current) {
        if (!ranges.add(rangeId)) {
            return;
        }
        if (phase == Phase.SUBSCRIBED && channel != null) {
            plan = current;
            subscribe(channel, rangeId);
            channel.flush();
        } else if (phase == Phase.IDLE) {
            connect(current);
        }
    }

    /** Stops serving a range the server ended (no UNSUBSCRIBE needed). Event loop. */
    void forget(int rangeId) {
        ranges.remove(rangeId);
        subscribeIds.remove(rangeId);
    }

    /** The primary asks for the metadata now (a range ended: its successor may follow). Event loop. */
    void refreshNow() {
        Channel ch = channel;
        if (primary && ch != null && phase == Phase.SUBSCRIBED) {
            requestMetadata(ch);
        }
    }

    /** The ranges this connection serves. Event loop. */
    Set<Integer> ranges() {
        return ranges;
    }

    private void subscribe(Channel ch, int rangeId) {
        int id = ++nextRequestId;
        subscribeIds.put(rangeId, id);
        // The plan was made at connect time: a range reached since then after its predecessors
        // ended starts at its beginning (a start at the end would skip what it took meanwhile).
        ResumePlan current = owner.followsRead(rangeId) ? plan.withSuccessors(Set.of(rangeId)) : plan;
        FetchRequest request =
                new FetchRequest(stream, rangeId, current.startIn(rangeId), config.subscriptionFrameBytes(), 0);
        ch.write(RequestFrames.encode(ch.alloc(), FrameType.SUBSCRIBE, id, request::write));
    }

    private void onData(Channel ch, int requestId, ByteBuf frame) {
        if (owner.isClosed() || !isSubscribeId(requestId)) {
            return;
        }
        owner.onFrame(frame.retain());
        if (!paused && owner.queuedFrames() >= pauseAtFrames) {
            paused = true;
            ch.config().setAutoRead(false);
        }
    }

    private boolean isSubscribeId(int requestId) {
        return subscribeIds.containsValue(requestId);
    }

    private void onError(int requestId, ErrorResponse error) {
        ErrorCode code = error.code();
        boolean ours = requestId == helloId || requestId == metadataId || isSubscribeId(requestId);
        if (phase == Phase.CLOSING) {
            close();
        } else if (ours && !code.retriable() && code != ErrorCode.UNKNOWN_STREAM) {
            owner.onFatal(new ScaleSmallException(code, error.message()));
            close();
        } else {
            LOG.log(Level.DEBUG, "subscription to {0}: {1} {2}, reconnecting", stream, code, error.message());
            close();
        }
    }
}
