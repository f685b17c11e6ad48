package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.HelloResponse;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.PublishResponse;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The publishing connection and everything that travels on it: sealed batches in per-range order,
 * their acknowledgements and retries, and control requests (fetch, metadata, create stream).
 *
 * <p>Design note. One event loop owns this object: the connection state machine
 * (DISCONNECTED → CONNECTING → HELLO_SENT → READY, back to DISCONNECTED on any loss, CLOSED at
 * the end), the map of outstanding requests, and the send-side queues of every {@link
 * RangeProducer}. Other threads only hand it work: {@link #batchReady} (a lock-free queue of
 * ranges with sealed batches plus one scheduled drain), {@link #scheduleLinger}, {@link #submit},
 * {@link #flush}. Writes are flushed once per drain, read or timer run, not per batch.
 *
 * <p>Failure handling: a lost connection, an unanswered request ({@code requestTimeoutMs}) or a
 * refused HELLO closes the connection; every unacknowledged batch is then resent, per range in
 * sequence order and unchanged, on the next connection (to the next server, after a backoff of
 * {@code retryBackoffMs} doubling to {@code retryBackoffMaxMs}). A retriable error answer holds
 * its range back until the range has nothing in flight and its backoff passed, then resends the
 * same way. A batch unacknowledged after {@code deliveryTimeoutMs} fails with TIMEOUT.
 */
final class Sender implements FrameHandler.Listener {
    private static final System.Logger LOG = System.getLogger(Sender.class.getName());
    private static final long TICK_MS = 50;
    private static final Comparator<Request> BY_REQUEST_ID = Comparator.comparingInt(r -> r.requestId);

    /** Connection states; transitions are listed in the class comment. */
    enum State {
        DISCONNECTED,
        CONNECTING,
        HELLO_SENT,
        READY,
        CLOSED
    }

    private final ClientConfig config;
    private final Transport transport;
    final EventLoop loop;
    private final InFlightLimiter limiter;
    private final long requestTimeoutNanos;
    private final long deliveryTimeoutNanos;

    /**
     * Request ids, shared by every sender of the JVM: a batch takes its id when it is created and
     * keeps it when its range moves to another connection or a successor range takes it over, so
     * ids must not repeat across connections (a repeat would answer one batch with another's ack).
     */
    private static final AtomicInteger REQUEST_IDS = new AtomicInteger();

    private final ConcurrentLinkedQueue<RangeProducer> readyRanges = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final Runnable flushTask = this::flushNow;
    private final Runnable lingerCheckTask = this::lingerCheck;
    private final long lingerNanos;
    private volatile Limits limits;
    /** Asks for fresh metadata of a stream whose ranges changed (set by the client). */
    private volatile Consumer<String> metadataNeeded = stream -> {};

    private volatile Consumer<io.scalesmall.protocol.MetadataResponse> placementReceived = placement -> {};
    /** Told when this sender's connection is lost, so that its ranges may move to other replicas. */
    private volatile Consumer<Sender> connectionLostListener = sender -> {};
    /** The servers this sender connects to, in turn. */
    private final List<InetSocketAddress> servers;

    // Owned by the event loop.
    private State state = State.DISCONNECTED;
    /** Why the last attempt to open a session failed, while none is open; event loop. */
    private String lastConnectFailure;

    private Channel channel;
    private int serverIndex;
    private final Backoff reconnectBackoff;
    private boolean reconnectScheduled;
    private int helloRequestId;
    private long helloSentNanos;
    private ScaleSmallException helloFailure;
    private final IntObjectHashMap<Request> outstanding = new IntObjectHashMap<>();
    private final ArrayDeque<ControlRequest<?>> queuedControl = new ArrayDeque<>();
    private final List<RangeProducer> ranges = new ArrayList<>();
    private boolean needsFlush;
    private boolean flushScheduled;
    private boolean lingerCheckArmed;
    private ScheduledFuture<?> tickTask;

    Sender(ClientConfig config, Transport transport, InFlightLimiter limiter) {
        this(config, transport, limiter, transport.nextLoop(), config.servers());
    }

    /**
     * A sender on {@code loop} that connects to {@code servers} in turn; the client's senders share
     * one loop, so that a range can move from one to another.
     */
    Sender(
            ClientConfig config,
            Transport transport,
            InFlightLimiter limiter,
            EventLoop loop,
            List<InetSocketAddress> servers) {
        this.servers = List.copyOf(servers);
        this.config = config;
        this.transport = transport;
        this.loop = loop;
        this.limiter = limiter;
        this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        this.deliveryTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.deliveryTimeoutMs());
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(config.lingerMs());
        this.reconnectBackoff = new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs());
        this.limits = new Limits(config.maxFrameBytes(), config.maxMessageBytes());
    }

    /** Starts connecting. */
    void start() {
        loop.execute(() -> {
            tickTask = loop.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
            connect();
        });
    }

    // ---- called from any thread ----

    int nextRequestId() {
        return REQUEST_IDS.incrementAndGet();
    }

    long nanoTime() {
        return config.nanoClock().getAsLong();
    }

    Limits limits() {
        return limits;
    }

    /** A fresh random, non-zero producer identity. */
    long newProducerId() {
        long id;
        do {
            id = config.random().nextLong();
        } while (id == 0);
        return id;
    }

    /** Where to ask for fresh metadata when a range turns out sealed or not held. */
    void onMetadataNeeded(Consumer<String> callback) {
        this.metadataNeeded = callback;
    }

    /** Where to apply the placement a "wrong node" answer carries (the client's routing). */
    void onPlacement(Consumer<io.scalesmall.protocol.MetadataResponse> callback) {
        this.placementReceived = callback;
    }

    /** Where to report a lost connection (the client's routing). */
    void onConnectionLost(Consumer<Sender> listener) {
        this.connectionLostListener = listener;
    }

    /** The servers this sender connects to. */
    List<InetSocketAddress> servers() {
        return servers;
    }

    /** This sender's connection and the queues of each of its ranges, for diagnostics. Event loop. */
    String describe() {
        long now = nanoTime();
        StringBuilder out = new StringBuilder();
        out.append("sender ")
                .append(servers)
                .append(" at ")
                .append(serverIndex)
                .append(": ")
                .append(state)
                .append(", ")
                .append(outstanding.size())
                .append(" requests outstanding, ")
                .append(queuedControl.size())
                .append(" control requests queued\n");
        for (RangeProducer rp : ranges) {
            out.append("  ").append(rp.describe(now)).append('\n');
        }
        return out.toString();
    }

    /** The range producers this sender sends for. Event loop. */
    List<RangeProducer> ranges() {
        return new ArrayList<>(ranges);
    }

    /** Takes over a range producer from another sender of the same loop. Event loop. */
    void adopt(RangeProducer rp) {
        if (!ranges.contains(rp)) {
            ranges.add(rp);
        }
        rp.takeReady();
        maybeSend(rp);
        requestFlush();
    }

    /** Stops sending for a range producer that moved to another sender. Event loop. */
    void release(RangeProducer rp) {
        ranges.remove(rp);
    }

    /** Makes the sender aware of a new range producer. */
    void register(RangeProducer producer) {
        execute(
                () -> {
                    // It may have moved to another sender before this ran.
                    if (producer.sender == this && !ranges.contains(producer)) {
                        ranges.add(producer);
                    }
                },
                producer);
    }

    /**
     * Arranges for a newly opened {@code batch} to be sealed and sent: at once when linger is 0 or
     * its range was idle and {@link ClientConfig#sendWhenIdle()} is on; else once its linger time
     * has passed. With {@code sendWhenIdle} a batch of a busy range needs no timer of its own (and
     * its publisher no wake-up of the event loop): the loop's linger check runs while batches
     * await answers (see {@link #maybeArmLingerCheck}).
     *
     * @param idle whether no sealed batch of the range awaited an answer when this one opened
     */
    void batchOpened(RangeProducer producer, ProducerBatch batch, boolean idle) {
        try {
            if (config.lingerMs() == 0 || (idle && config.sendWhenIdle())) {
                loop.execute(() -> lingerExpired(producer, batch));
            } else if (!config.sendWhenIdle()) {
                loop.schedule(() -> lingerExpired(producer, batch), config.lingerMs(), TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) {
            abortAfterShutdown(producer);
        }
    }

    /** Tells the sender that {@code producer} has sealed batches to send. */
    void batchReady(RangeProducer producer) {
        if (producer.queuedForDrain.compareAndSet(false, true)) {
            readyRanges.offer(producer);
        }
        if (drainScheduled.compareAndSet(false, true)) {
            execute(drainTask, producer);
        }
    }

    /** Sends a control request as soon as a connection is ready; its future completes on the event loop. */
    <T> CompletableFuture<T> submit(
            FrameType type, FrameType okType, Consumer<ByteBuf> body, ControlRequest.Decoder<T> decoder) {
        return submit(type, okType, body, decoder, 0);
    }

    <T> CompletableFuture<T> submit(
            FrameType type,
            FrameType okType,
            Consumer<ByteBuf> body,
            ControlRequest.Decoder<T> decoder,
            long extraWaitMs) {
        CompletableFuture<T> future = new CompletableFuture<>();
        int id = nextRequestId();
        ByteBuf frame;
        try {
            frame = RequestFrames.encode(PooledByteBufAllocator.DEFAULT, type, id, body);
        } catch (RuntimeException e) {
            future.completeExceptionally(
                    e instanceof ProtocolException pe
                            ? ScaleSmallException.of(pe)
                            : new ScaleSmallException(ErrorCode.INVALID_REQUEST, e.getMessage(), e));
            return future;
        }
        long extraNanos = TimeUnit.MILLISECONDS.toNanos(extraWaitMs);
        ControlRequest<T> request = new ControlRequest<>(
                id, okType, frame, decoder, future, nanoTime() + requestTimeoutNanos + extraNanos, extraNanos);
        try {
            loop.execute(() -> submitOnLoop(request));
        } catch (RejectedExecutionException e) {
            request.fail(closedException());
        }
        return future;
    }

    /**
     * Seals every open batch, sends it, and completes once every batch sealed so far is
     * acknowledged or failed.
     */
    CompletableFuture<Void> flush() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                List<CompletableFuture<Void>> waits = new ArrayList<>();
                for (RangeProducer rp : ranges) {
                    rp.sealAllOpen();
                    rp.takeReady();
                    maybeSend(rp);
                    rp.collectDone(waits);
                }
                requestFlush();
                CompletableFuture.allOf(waits.toArray(new CompletableFuture<?>[0]))
                        .whenComplete((v, e) -> result.complete(null));
            });
        } catch (RejectedExecutionException e) {
            result.complete(null);
        }
        return result;
    }

    /** Closes the connection and fails whatever is still unacknowledged with SHUTTING_DOWN. */
    CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                if (state != State.CLOSED) {
                    if (tickTask != null) {
                        tickTask.cancel(false);
                    }
                    Channel ch = channel;
                    State before = state;
                    state = State.CLOSED;
                    if (ch != null) {
                        dropConnection(ch, "client closed", before);
                        ch.close();
                    }
                    ScaleSmallException closed = closedException();
                    for (RangeProducer rp : ranges) {
                        rp.sealAllOpen();
                        abortRange(rp, closed);
                    }
                    failQueuedControl(closed);
                }
                result.complete(null);
            });
        } catch (RejectedExecutionException e) {
            result.complete(null);
        }
        return result;
    }

    private void execute(Runnable task, RangeProducer producer) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            abortAfterShutdown(producer);
        }
    }

    /** The event loop is gone: nobody else owns the producer's batches any more. */
    private void abortAfterShutdown(RangeProducer producer) {
        producer.sealAllOpen();
        ScaleSmallException closed = closedException();
        for (ProducerBatch b : producer.abortAll(newProducerId())) {
            b.fail(closed, limiter);
        }
    }

    private static ScaleSmallException closedException() {
        return new ScaleSmallException(ErrorCode.SHUTTING_DOWN, "the client is closed");
    }

    // ---- event loop from here on ----

    private void lingerExpired(RangeProducer producer, ProducerBatch batch) {
        if (producer.sealIfOpen(batch)) {
            producer.takeReady();
            maybeSend(producer);
            requestFlush();
        }
    }

    private void drain() {
        drainScheduled.set(false);
        RangeProducer rp;
        while ((rp = readyRanges.poll()) != null) {
            rp.queuedForDrain.set(false);
            rp.takeReady();
            maybeSend(rp);
        }
        requestFlush();
    }

    void maybeSend(RangeProducer rp) {
        Sender owner = rp.sender;
        if (owner != this) {
            // The range moved to another sender (of this same loop) meanwhile.
            owner.maybeSend(rp);
            return;
        }
        if (rp.gated()) {
            return;
        }
        if (state == State.READY) {
            if (rp.retryPending) {
                maybeRetry(rp);
            } else {
                sendUnsent(rp);
            }
        } else if (state == State.CLOSED) {
            abortRange(rp, closedException());
        } else if (helloFailure != null) {
            abortRange(rp, helloFailure);
        }
    }

    private void sendUnsent(RangeProducer rp) {
        ProducerBatch b;
        while ((b = rp.unsent.pollFirst()) != null) {
            rp.everSent = true;
            b.maybeStored = true;
            write(b, b.frameForWrite());
            rp.inflight.addLast(b);
        }
        maybeArmLingerCheck();
        // A caller acting for another sender of this loop flushes that one, not this.
        requestFlush();
    }

    /**
     * With {@link ClientConfig#sendWhenIdle()}, batches opened while their range awaits answers
     * have no timer of their own; this check, armed whenever a batch goes out and kept running
     * while any range awaits answers or has open batches, seals those whose linger time passed.
     */
    private void maybeArmLingerCheck() {
        if (!lingerCheckArmed && config.sendWhenIdle() && lingerNanos > 0) {
            lingerCheckArmed = true;
            loop.schedule(lingerCheckTask, lingerNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void lingerCheck() {
        // Stays armed during the check, so that the sends below do not arm a second one.
        long now = nanoTime();
        long nextCheck = Long.MAX_VALUE;
        for (RangeProducer rp : ranges) {
            long oldestOpen = rp.sealOpenedBefore(now - lingerNanos);
            rp.takeReady();
            maybeSend(rp);
            if (oldestOpen != Long.MAX_VALUE) {
                nextCheck = Math.min(nextCheck, oldestOpen + lingerNanos);
            }
            if (rp.hasUnacked()) {
                nextCheck = Math.min(nextCheck, now + lingerNanos);
            }
        }
        requestFlush();
        lingerCheckArmed = nextCheck != Long.MAX_VALUE && state != State.CLOSED;
        if (lingerCheckArmed) {
            loop.schedule(lingerCheckTask, Math.max(0, nextCheck - now), TimeUnit.NANOSECONDS);
        }
    }

    private void maybeRetry(RangeProducer rp) {
        if (rp.sender != this) {
            rp.sender.maybeRetry(rp);
            return;
        }
        if (!rp.retryPending || !rp.inflight.isEmpty() || state != State.READY) {
            return;
        }
        long now = nanoTime();
        if (now < rp.retryAtNanos) {
            if (!rp.retryTimerSet) {
                rp.retryTimerSet = true;
                loop.schedule(
                        () -> {
                            rp.retryTimerSet = false;
                            // The range may have moved to another sender meanwhile.
                            Sender owner = rp.sender;
                            owner.maybeRetry(rp);
                            owner.requestFlush();
                        },
                        rp.retryAtNanos - now,
                        TimeUnit.NANOSECONDS);
            }
            return;
        }
        rp.retryPending = false;
        rp.prepareResend(this);
        if (LOG.isLoggable(Level.DEBUG) && !rp.unsent.isEmpty()) {
            LOG.log(
                    Level.DEBUG,
                    "resending {0} batches of range {1} to {2}, first {3}",
                    rp.unsent.size(),
                    rp.rangeId,
                    servers,
                    rp.unsent.peekFirst().describe(nanoTime()));
        }
        sendUnsent(rp);
    }

    private void abortRange(RangeProducer rp, ScaleSmallException error) {
        if (!rp.inflight.isEmpty()) {
            return;
        }
        for (ProducerBatch b : rp.abortAll(newProducerId())) {
            b.fail(error, limiter);
        }
    }

    private void write(Request request, ByteBuf frame) {
        request.outstanding = true;
        request.sentNanos = nanoTime();
        Request replaced = outstanding.put(request.requestId, request);
        if (replaced != null && replaced != request) {
            LOG.log(Level.ERROR, "request id {0} was already outstanding; this is a bug", request.requestId);
        }
        channel.write(frame, channel.voidPromise());
        needsFlush = true;
    }

    private void requestFlush() {
        if (needsFlush && !flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (needsFlush) {
            needsFlush = false;
            if (channel != null) {
                channel.flush();
            }
        }
    }

    private void submitOnLoop(ControlRequest<?> request) {
        if (state == State.READY) {
            write(request, request.frameForWrite());
            requestFlush();
        } else if (state == State.CLOSED) {
            request.fail(closedException());
        } else if (helloFailure != null) {
            request.fail(helloFailure);
        } else {
            queuedControl.addLast(request);
        }
    }

    private void failQueuedControl(ScaleSmallException error) {
        ControlRequest<?> r;
        while ((r = queuedControl.pollFirst()) != null) {
            r.fail(error);
        }
    }

    // ---- connection ----

    private void connect() {
        reconnectScheduled = false;
        if (state != State.DISCONNECTED) {
            return;
        }
        InetSocketAddress address = servers.get(serverIndex % servers.size());
        state = State.CONNECTING;
        channel = null;
        // A loopback connect may complete, and fire onActive, inside this call.
        ChannelFuture future = transport.connect(loop, address, this);
        Channel ch = future.channel();
        if (channel == null) {
            channel = ch;
        }
        future.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.log(Level.DEBUG, "cannot connect to {0}: {1}", address, f.cause());
                Throwable cause = f.cause();
                String why = cause == null || cause.getMessage() == null ? "connect failed" : cause.getMessage();
                connectionLost(
                        ch, why.contains("Connection refused") ? "connection refused (nothing listens there)" : why);
            }
        });
    }

    private void scheduleReconnect() {
        if (reconnectScheduled || state == State.CLOSED) {
            return;
        }
        reconnectScheduled = true;
        serverIndex = (serverIndex + 1) % servers.size();
        loop.schedule(this::connect, reconnectBackoff.nextDelayMs(), TimeUnit.MILLISECONDS);
    }

    /** Closes the current connection on purpose; its requests are retried on the next one. */
    private void closeConnection(String reason) {
        Channel ch = channel;
        if (ch != null) {
            connectionLost(ch, reason);
            ch.close();
        }
    }

    private void connectionLost(Channel ch, String reason) {
        if (ch != channel) {
            return;
        }
        State before = state;
        if (before != State.READY) {
            // Why no session came up, for the error a request gets when none does in time.
            InetSocketAddress to = servers.get(serverIndex % servers.size());
            lastConnectFailure = to.getHostString() + ":" + to.getPort() + ": " + reason
                    + (before == State.HELLO_SENT
                            ? " (it accepted the connection but did not answer HELLO: is it a ScaleSmall client port,"
                                    + " not an HTTP or cluster port?)"
                            : "");
        }
        dropConnection(ch, reason, before);
        if (state != State.CLOSED) {
            state = State.DISCONNECTED;
            scheduleReconnect();
        }
    }

    private void dropConnection(Channel ch, String reason, State before) {
        LOG.log(Level.DEBUG, "connection to {0} lost in state {1}: {2}", ch.remoteAddress(), before, reason);
        channel = null;
        needsFlush = false;
        long now = nanoTime();
        // Every batch this connection carried is retried, whichever sender its range has now:
        // the batches are found through the requests, not through this sender's ranges.
        List<ControlRequest<?>> requeue = new ArrayList<>();
        Set<RangeProducer> touched = new LinkedHashSet<>();
        for (Request r : outstanding.values()) {
            r.outstanding = false;
            if (r instanceof ControlRequest<?> c) {
                requeue.add(c);
            } else if (r instanceof ProducerBatch b) {
                RangeProducer rp = b.range;
                rp.removeInflight(b);
                rp.retry.add(b);
                if (!rp.retryPending) {
                    rp.retryPending = true;
                    rp.retryAtNanos = now;
                }
                touched.add(rp);
            }
        }
        outstanding.clear();
        for (RangeProducer rp : touched) {
            if (rp.sender != this) {
                // The range sends through another connection now: it retries there.
                rp.sender.maybeRetry(rp);
            }
        }
        requeue.sort(BY_REQUEST_ID);
        for (int i = requeue.size() - 1; i >= 0; i--) {
            queuedControl.addFirst(requeue.get(i));
        }
        if (state != State.CLOSED) {
            connectionLostListener.accept(this);
        }
    }

    @Override
    public void onActive(Channel ch) {
        if (state != State.CONNECTING || (channel != null && channel != ch)) {
            ch.close();
            return;
        }
        channel = ch;
        helloRequestId = nextRequestId();
        HelloRequest hello =
                new HelloRequest(config.clientId(), config.durability(), config.maxFrameBytes(), config.token());
        ch.writeAndFlush(RequestFrames.encode(ch.alloc(), FrameType.HELLO, helloRequestId, hello::write));
        helloSentNanos = nanoTime();
        state = State.HELLO_SENT;
    }

    @Override
    public void onInactive(Channel ch) {
        connectionLost(ch, "connection closed");
    }

    @Override
    public void onReadComplete(Channel ch) {
        if (needsFlush && ch == channel) {
            flushNow();
        }
    }

    @Override
    public void onFrame(Channel ch, FrameType type, int requestId, ByteBuf body) {
        if (ch != channel) {
            return;
        }
        switch (type) {
            case HELLO_OK -> {
                if (state != State.HELLO_SENT || requestId != helloRequestId) {
                    closeConnection("unexpected HELLO_OK");
                    return;
                }
                onHelloOk(HelloResponse.read(body));
            }
            case ERROR -> onError(requestId, ErrorResponse.read(body));
            case PUBLISH_OK -> {
                Request r = outstanding.remove(requestId);
                if (r instanceof ProducerBatch b) {
                    onBatchAck(b, PublishResponse.read(body));
                } else if (r != null) {
                    closeConnection("PUBLISH_OK answers a request that is not a publish");
                }
            }
            case FETCH_OK, METADATA_OK, CREATE_STREAM_OK, MEMBERS_OK, LAG_OK -> {
                Request r = outstanding.remove(requestId);
                if (r instanceof ControlRequest<?> c && c.okType == type) {
                    c.outstanding = false;
                    c.succeed(body);
                } else if (r != null) {
                    closeConnection(type + " answers a request of another type");
                }
            }
            default -> closeConnection("unexpected frame " + type);
        }
    }

    private void onHelloOk(HelloResponse hello) {
        limits = new Limits(
                Math.min(config.maxFrameBytes(), hello.maxFrameBytes()),
                Math.min(config.maxMessageBytes(), hello.maxMessageBytes()));
        state = State.READY;
        lastConnectFailure = null;
        helloFailure = null;
        reconnectBackoff.reset();
        LOG.log(Level.DEBUG, "session open with node {0} at {1}", hello.nodeId(), channel.remoteAddress());
        for (RangeProducer rp : ranges) {
            rp.takeReady();
            maybeSend(rp);
        }
        ControlRequest<?> r;
        while ((r = queuedControl.pollFirst()) != null) {
            write(r, r.frameForWrite());
        }
        flushNow();
    }

    private void onError(int requestId, ErrorResponse error) {
        if (state == State.HELLO_SENT && requestId == helloRequestId) {
            ScaleSmallException e =
                    new ScaleSmallException(error.code(), "the server refused the session: " + error.message());
            LOG.log(Level.WARNING, e.getMessage());
            if (!error.code().retriable()) {
                helloFailure = e;
                for (RangeProducer rp : ranges) {
                    abortRange(rp, e);
                }
                failQueuedControl(e);
            }
            closeConnection("HELLO refused");
            return;
        }
        Request r = outstanding.remove(requestId);
        if (r == null) {
            if (error.code() == ErrorCode.MALFORMED_FRAME || error.code() == ErrorCode.UNSUPPORTED_VERSION) {
                closeConnection("server reports " + error.code() + ": " + error.message());
            }
            return;
        }
        r.outstanding = false;
        if (r instanceof ControlRequest<?> c) {
            c.fail(new ScaleSmallException(error.code(), error.message()));
        } else {
            onBatchError((ProducerBatch) r, error);
        }
    }

    private void onBatchAck(ProducerBatch b, PublishResponse response) {
        b.outstanding = false;
        RangeProducer rp = b.range;
        rp.removeInflight(b);
        rp.retryBackoff.reset();
        b.complete(response, limiter);
        maybeRetry(rp);
        kickSuccessor(rp);
    }

    /** The successor of a replaced range may send once the replaced one has nothing pending. */
    private void kickSuccessor(RangeProducer rp) {
        if (rp.hasUnacked()) {
            return;
        }
        for (RangeProducer next : rp.successorProducers()) {
            next.takeReady();
            maybeSend(next);
            // Down the chain: the successor may have had nothing to send, and its own successor waits.
            kickSuccessor(next);
        }
    }

    /**
     * Moves a batch {@code rp} refused as sealed to the ranges that replaced it: whole to a single
     * successor, cut by key between the halves of a split. Event loop.
     */
    private void moveToSuccessors(RangeProducer rp, ProducerBatch b) {
        RangeRouter next = rp.successors;
        RangeProducer[] targets = next.producers();
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(
                    Level.DEBUG,
                    "{0} moves to the {1} range(s) that replaced it",
                    b.describe(nanoTime()),
                    targets.length);
        }
        if (targets.length == 1) {
            targets[0].absorb(b);
            return;
        }
        rp.batchFinished();
        for (ProducerBatch part : b.partition(next, this::nextRequestId)) {
            part.range.take(part);
        }
    }

    /** {@link #rangeReplaced} on the event loop. Any thread. */
    void rangeReplacedLater(RangeProducer rp) {
        execute(() -> rangeReplaced(rp), rp);
    }

    /**
     * The successor of a range, now known: batches the range refused as sealed move there. Event
     * loop.
     */
    void rangeReplaced(RangeProducer rp) {
        if (rp.successors == null || !rp.inflight.isEmpty()) {
            return;
        }
        // Only batches the range refused as sealed are certainly not stored; the others are
        // resent to it, and it acknowledges those it holds.
        List<ProducerBatch> refused = new ArrayList<>();
        rp.retry.removeIf(b -> !b.maybeStored && refused.add(b));
        refused.sort(Comparator.comparingLong(x -> x.sealOrder));
        for (ProducerBatch b : refused) {
            moveToSuccessors(rp, b);
        }
        if (rp.retry.isEmpty()) {
            rp.retryPending = false;
        } else {
            // Batches that may be stored go back to the replaced range, which acknowledges
            // those it holds and refuses the rest.
            maybeRetry(rp);
        }
        kickSuccessor(rp);
        requestFlush();
    }

    private void onBatchError(ProducerBatch b, ErrorResponse error) {
        RangeProducer rp = b.range;
        rp.removeInflight(b);
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "{0} answered {1}: {2}", b.describe(nanoTime()), error.code(), error.message());
        }
        if (error.placement() != null
                && (error.code() == ErrorCode.RANGE_SEALED || error.code() == ErrorCode.NOT_A_REPLICA)) {
            // A "wrong node" answer names the placement: routing learns the range's successors now.
            placementReceived.accept(error.placement());
        }
        if (error.code() == ErrorCode.RANGE_SEALED && rp.successors != null) {
            // Not stored: it belongs to the range(s) that replaced this one.
            b.maybeStored = false;
            moveToSuccessors(rp, b);
            // Batches refused before the successor was known wait in the retry queue: once
            // nothing is in flight they move too, in their order.
            rangeReplaced(rp);
            return;
        }
        if (error.code() == ErrorCode.RANGE_SEALED || error.code() == ErrorCode.NOT_A_REPLICA) {
            if (error.code() == ErrorCode.RANGE_SEALED) {
                b.maybeStored = false;
            }
            metadataNeeded.accept(rp.stream);
        }
        if (error.code().retriable()) {
            if (error.code() == ErrorCode.OUT_OF_ORDER_SEQUENCE) {
                b.maybeStored = false;
            }
            rp.retry.add(b);
            if (!rp.retryPending) {
                rp.retryPending = true;
                rp.retryAtNanos = nanoTime() + TimeUnit.MILLISECONDS.toNanos(rp.retryBackoff.nextDelayMs());
            }
        } else {
            rp.addCut(b);
            b.fail(new ScaleSmallException(error.code(), error.message()), limiter);
            if (!rp.retryPending) {
                rp.retryPending = true;
                rp.retryAtNanos = nanoTime();
            }
        }
        maybeRetry(rp);
    }

    // ---- timers ----

    private void tick() {
        long now = nanoTime();
        if (state == State.HELLO_SENT && now - helloSentNanos > requestTimeoutNanos) {
            closeConnection("HELLO unanswered for " + config.requestTimeoutMs() + " ms");
        } else if (state == State.READY) {
            Request late = null;
            for (Request r : outstanding.values()) {
                if (now - r.sentNanos > requestTimeoutNanos + r.extraWaitNanos()) {
                    late = r;
                    break;
                }
            }
            if (late != null) {
                closeConnection("request " + late.requestId + " unanswered for " + config.requestTimeoutMs() + " ms");
            }
        }
        if (!queuedControl.isEmpty()) {
            queuedControl.removeIf(r -> {
                if (now >= r.deadlineNanos) {
                    r.fail(new ScaleSmallException(
                            ErrorCode.TIMEOUT,
                            "no connection within " + config.requestTimeoutMs() + " ms"
                                    + (lastConnectFailure == null ? "" : "; last attempt: " + lastConnectFailure)));
                    return true;
                }
                return false;
            });
        }
        for (RangeProducer rp : ranges) {
            if (!rp.hasUnacked()) {
                continue;
            }
            List<ProducerBatch> expired = rp.expire(now, deliveryTimeoutNanos, this);
            if (!expired.isEmpty()) {
                ScaleSmallException timeout = new ScaleSmallException(
                        ErrorCode.TIMEOUT,
                        "not acknowledged within the delivery timeout of " + config.deliveryTimeoutMs() + " ms");
                for (ProducerBatch b : expired) {
                    b.fail(timeout, limiter);
                }
                maybeSend(rp);
            }
        }
        requestFlush();
    }

    /** The connection state; for tests. */
    State state() {
        return state;
    }
}
