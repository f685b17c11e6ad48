package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.CreateStreamRequest;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.LagRequest;
import io.scalesmall.protocol.LagResponse;
import io.scalesmall.protocol.MembersRequest;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RecordCodec;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.protocol.StreamNames;
import io.scalesmall.protocol.StreamOptions;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of a ScaleSmall cluster: publishes messages, subscribes to streams, fetches, and reads
 * and creates stream metadata.
 *
 * <p><b>Publishing.</b> {@link #publish} appends the message to an open batch of its (stream,
 * range, durability policy) and returns at once with a future; the batch is sent when it is full
 * ({@link ClientConfig#maxBatchBytes()}) or {@link ClientConfig#lingerMs()} after its first
 * message, and the future completes when the server acknowledges the batch under its policy.
 * Batches are idempotent: each carries this client's producer id and the sequence of its first
 * message, so the client resends unacknowledged batches after an error or a lost connection
 * (until {@link ClientConfig#deliveryTimeoutMs()}) and the server stores each message once.
 * Messages of one range are stored in publish order. When {@link ClientConfig#maxInFlightBytes()}
 * of messages await acknowledgement, {@code publish} blocks, up to {@link
 * ClientConfig#maxBlockMs()}.
 *
 * <p><b>Reading.</b> {@link #subscribe} pushes messages to a handler on a thread of the
 * subscription's own, over a connection of its own; {@link #fetch} polls.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Publish futures, fetch futures and metadata
 * futures complete on the client's I/O thread: callbacks attached to them must be short and must
 * not block (a {@code publish} from such a callback fails fast with {@link BufferFullException}
 * instead of blocking; {@link #flush()} and {@link #close()} there throw).
 */
public final class ScaleSmallClient implements AutoCloseable {
    /** How soon a stream whose ranges are not placed yet is looked up again. */
    private static final long RESOLVE_RETRY_MS = 25;

    private final ClientConfig config;
    private final Clock clock;
    private final Transport transport;
    private final InFlightLimiter limiter;
    private final Sender sender;
    private final Senders senders;
    private final Producers producers;
    private final long producerId;
    private final BatchDecoder fetchDecoder;
    private final Set<SubscriptionAgent> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private int subscriptionCount;

    /**
     * Creates a client and starts connecting to the first server of {@code config}. Connection
     * problems do not fail the constructor: they show as failed or delayed futures.
     *
     * @param config the settings
     */
    public ScaleSmallClient(ClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = config.clock();
        this.transport = new Transport(config);
        this.limiter = new InFlightLimiter(config.maxInFlightBytes());
        this.sender = new Sender(config, transport, limiter);
        this.producerId = sender.newProducerId();
        this.senders = new Senders(config, transport, limiter, sender);
        this.producers = new Producers(senders, config, producerId, this::resolveRanges);
        this.fetchDecoder = new BatchDecoder(range -> new Cursor(List.of(range)));
        senders.onMetadataNeeded(stream -> requestMetadata(List.of(stream)));
        senders.onPlacement(producers::update);
        sender.start();
        long ageMs = config.metadataMaxAgeMs();
        sender.loop.scheduleAtFixedRate(this::refreshMetadata, ageMs, ageMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Creates a client, as {@link #ScaleSmallClient(ClientConfig)} does.
     *
     * @param config the settings
     * @return the client, connecting in the background
     */
    public static ScaleSmallClient create(ClientConfig config) {
        return new ScaleSmallClient(config);
    }

    /**
     * The settings this client runs with.
     *
     * @return the configuration
     */
    public ClientConfig config() {
        return config;
    }

    /**
     * This client instance's producer identity, which the server uses to store retried batches
     * once.
     *
     * @return the random non-zero producer id
     */
    public long producerId() {
        return producerId;
    }

    /**
     * Publishes a message with no headers under the session's durability policy.
     *
     * @param stream the stream (created by its first publish)
     * @param key the key, which picks the range; null for none (keyless messages are spread over
     *     the ranges)
     * @param payload the payload
     * @return a future completing with the message's position once it is durable per the policy,
     *     or failing with {@link ScaleSmallException}
     */
    public CompletableFuture<PublishAck> publish(String stream, byte[] key, byte[] payload) {
        return publish(stream, key, payload, null, null);
    }

    /**
     * Publishes a message with headers under the session's durability policy.
     *
     * @param stream the stream
     * @param key the key, or null
     * @param payload the payload
     * @param headers the headers, or null for none
     * @return a future completing with the message's position
     */
    public CompletableFuture<PublishAck> publish(String stream, byte[] key, byte[] payload, List<Header> headers) {
        return publish(stream, key, payload, headers, null);
    }

    /**
     * Publishes a message. Blocks only while the in-flight bound is reached (up to {@link
     * ClientConfig#maxBlockMs()}); never does network I/O itself.
     *
     * <p>The future fails with {@link ScaleSmallException} whose code says why: {@code
     * MESSAGE_TOO_LARGE} at once for a message above the effective size limit, {@code
     * INVALID_STREAM_NAME} for a bad name, {@link BufferFullException} ({@code BUSY}) when no room
     * freed up in time, {@code TIMEOUT} when not acknowledged within the delivery timeout, {@code
     * SHUTTING_DOWN} after {@link #close()}, or the server's code for a non-retriable refusal.
     * If a batch expires, later batches of the same range that may already be stored fail with
     * it (their outcome is unknown).
     *
     * @param stream the stream
     * @param key the key, or null
     * @param payload the payload
     * @param headers the headers, or null for none
     * @param policy this message's durability policy, or null for the session's; messages of
     *     different policies travel in different batches
     * @return a future completing with the message's position
     */
    public CompletableFuture<PublishAck> publish(
            String stream, byte[] key, byte[] payload, List<Header> headers, DurabilityPolicy policy) {
        CompletableFuture<PublishAck> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new ScaleSmallException(ErrorCode.SHUTTING_DOWN, "the client is closed"));
            return future;
        }
        Objects.requireNonNull(payload, "payload");
        StreamProducer streamProducer;
        try {
            streamProducer = producers.get(stream);
        } catch (ProtocolException e) {
            future.completeExceptionally(ScaleSmallException.of(e));
            return future;
        }
        if (!streamProducer.isRouted()) {
            producers.resolve(streamProducer);
            if (!awaitRouting(streamProducer, future)) {
                return future;
            }
        }
        Limits limits = sender.limits();
        // The record body without its timestamp delta, which depends on the batch it lands in.
        int restBytes = RecordCodec.bodySize(0, key, payload, headers) - 1;
        if (restBytes + 1 > limits.maxMessageBytes()) {
            future.completeExceptionally(tooLarge(restBytes + 1, limits));
            return future;
        }
        int accounted = restBytes + 1;
        if (!limiter.tryAcquire(accounted) && !awaitRoom(accounted, future)) {
            return future;
        }
        try {
            RangeProducer rangeProducer = streamProducer.route(key);
            int result = rangeProducer.append(
                    future, key, payload, headers, policy, clock.millis(), restBytes, accounted, limits);
            if (result == RangeProducer.TOO_LARGE) {
                limiter.release(accounted);
                future.completeExceptionally(tooLarge(restBytes + 1, limits));
            }
        } catch (RuntimeException e) {
            limiter.release(accounted);
            future.completeExceptionally(
                    e instanceof ProtocolException pe
                            ? ScaleSmallException.of(pe)
                            : new ScaleSmallException(ErrorCode.INTERNAL_ERROR, "cannot publish: " + e, e));
        }
        return future;
    }

    private boolean awaitRouting(StreamProducer producer, CompletableFuture<PublishAck> future) {
        if (transport.inIoThread()) {
            future.completeExceptionally(new ScaleSmallException(
                    ErrorCode.TIMEOUT,
                    "the ranges of stream " + producer.stream + " are not known yet; a publish on the client's I/O"
                            + " thread cannot wait"));
            return false;
        }
        long waitMs = Math.min(config.maxBlockMs(), config.deliveryTimeoutMs());
        try {
            if (producer.awaitRouting(waitMs)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ScaleSmallException e) {
            future.completeExceptionally(e);
            return false;
        }
        future.completeExceptionally(new ScaleSmallException(
                ErrorCode.TIMEOUT,
                "the ranges of stream " + producer.stream + " were not known within " + waitMs + " ms (no server"
                        + " reachable, or the stream's ranges not placed)"));
        return false;
    }

    private boolean awaitRoom(int bytes, CompletableFuture<PublishAck> future) {
        if (transport.inIoThread()) {
            future.completeExceptionally(new BufferFullException("in-flight bytes at maxInFlightBytes="
                    + config.maxInFlightBytes() + "; a publish on the client's I/O thread cannot wait"));
            return false;
        }
        try {
            if (limiter.acquire(bytes, config.maxBlockMs())) {
                return true;
            }
            future.completeExceptionally(new BufferFullException("in-flight bytes stayed at maxInFlightBytes="
                    + config.maxInFlightBytes() + " for maxBlockMs=" + config.maxBlockMs()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new BufferFullException("interrupted while waiting for in-flight room"));
        }
        return false;
    }

    private static ScaleSmallException tooLarge(int bodyBytes, Limits limits) {
        return new ScaleSmallException(
                ErrorCode.MESSAGE_TOO_LARGE,
                "message of " + bodyBytes + " bytes exceeds the maximum of " + limits.maxMessageBytes()
                        + " bytes (or does not fit a frame of " + limits.maxFrameBytes() + " bytes)");
    }

    /**
     * A readable account of the client's connections and of each range's unacknowledged batches
     * (which replica they go to, what is in flight, waiting for a retry or for a replaced range):
     * what to look at when publishes neither complete nor fail. For diagnostics; the format may
     * change.
     */
    public String describeState() {
        if (transport.inIoThread()) {
            return senders.describe();
        }
        CompletableFuture<String> state = new CompletableFuture<>();
        try {
            sender.loop.execute(() -> state.complete(senders.describe()));
            return state.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "(state unavailable: " + e + ")";
        }
    }

    /**
     * Sends every open batch now and waits until every message published before this call is
     * acknowledged or failed. Does not throw for failed messages: their futures carry the errors.
     *
     * @throws IllegalStateException when called on the client's I/O thread (it would deadlock)
     */
    public void flush() {
        if (transport.inIoThread()) {
            throw new IllegalStateException("flush() cannot wait on the client's I/O thread; use flushAsync()");
        }
        boolean interrupted = false;
        CompletableFuture<Void> done = flushAsync();
        while (true) {
            try {
                done.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends every open batch now.
     *
     * @return a future completing (never exceptionally) once every message published before this
     *     call is acknowledged or failed
     */
    public CompletableFuture<Void> flushAsync() {
        return senders.flush();
    }

    /**
     * Subscribes to a stream: {@code handler} receives every message from {@code from} on, in
     * order within each range, on a delivery thread of this subscription, over a connection of
     * its own. The subscription resubscribes by itself after a lost connection (trying the next
     * server, with backoff) and continues after the last delivered message; it ends with {@link
     * Subscription#close()}, with the client, or with a non-retriable error passed to {@link
     * MessageHandler#onError}. A stream that does not exist yet is waited for.
     *
     * <p>A subscription started from {@link From#end()} or a timestamp that drops before the
     * server sent it anything resubscribes from that same start.
     *
     * @param stream the stream
     * @param from where to start
     * @param handler receives the messages
     * @return the running subscription
     * @throws ScaleSmallException with INVALID_STREAM_NAME for a bad name, SHUTTING_DOWN when closed
     */
    public Subscription subscribe(String stream, From from, MessageHandler handler) {
        checkOpen();
        validateStream(stream);
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(handler, "handler");
        int serverIndex;
        synchronized (this) {
            serverIndex = subscriptionCount++;
        }
        SubscriptionAgent[] self = new SubscriptionAgent[1];
        SubscriptionAgent agent = new SubscriptionAgent(
                config, transport, stream, from, handler, serverIndex, () -> subscriptions.remove(self[0]));
        self[0] = agent;
        subscriptions.add(agent);
        agent.start();
        return agent;
    }

    /**
     * Reads up to about {@code maxBytes} of stored batches per range from {@code from}, answering
     * at once even when nothing is there.
     *
     * @param stream the stream
     * @param from where to start; pass the previous {@link FetchResult#nextCursor()} to continue
     * @param maxBytes bytes of batches per range (at least one batch is returned when available)
     * @return the messages and the cursor after them; fails with UNKNOWN_STREAM for a stream that
     *     does not exist
     */
    public CompletableFuture<FetchResult> fetch(String stream, From from, int maxBytes) {
        return fetch(stream, from, maxBytes, 0);
    }

    /**
     * Like {@link #fetch(String, From, int)}, but the server waits up to {@code maxWaitMs} for
     * data when none is available.
     *
     * @param stream the stream
     * @param from where to start
     * @param maxBytes bytes of batches per range
     * @param maxWaitMs how long the server may wait for data, 0 for not at all
     * @return the messages and the cursor after them
     */
    public CompletableFuture<FetchResult> fetch(String stream, From from, int maxBytes, int maxWaitMs) {
        Objects.requireNonNull(from, "from");
        if (maxBytes <= 0 || maxWaitMs < 0) {
            throw new IllegalArgumentException("maxBytes must be positive and maxWaitMs not negative");
        }
        try {
            checkOpen();
            validateStream(stream);
        } catch (ScaleSmallException e) {
            return CompletableFuture.failedFuture(e);
        }
        return metadata(stream).thenCompose(md -> fetchRanges(stream, from, maxBytes, maxWaitMs, rangesOf(md, stream)));
    }

    /** A range to fetch and the nodes holding it, in the order to try them. */
    private record RangeHolders(MetadataResponse.Range range, List<InetSocketAddress> holders) {
        int rangeId() {
            return range.rangeId();
        }
    }

    private static List<RangeHolders> rangesOf(MetadataResponse md, String stream) {
        List<RangeHolders> out = new ArrayList<>();
        for (MetadataResponse.Stream s : md.streams()) {
            if (s.name().equals(stream)) {
                for (MetadataResponse.Range r : s.ranges()) {
                    List<InetSocketAddress> holders =
                            new ArrayList<>(r.replicas().size());
                    for (int index : r.replicas()) {
                        MetadataResponse.Node n = md.nodes().get(index);
                        holders.add(new InetSocketAddress(n.host(), n.port()));
                    }
                    out.add(new RangeHolders(r, holders));
                }
            }
        }
        // Oldest first: each key's ranges in the order they must be read.
        out.sort((a, b) -> RangeHistory.OLDEST_FIRST.compare(a.range(), b.range()));
        return out;
    }

    /**
     * Fetches the stream's ranges in waves ({@link RangeHistory}): a range is fetched once every
     * older range overlapping it (its keys' earlier history) has answered that it ended, or lies
     * wholly before the start, so each key's messages come in order; ranges whose history has not
     * ended keep their cursor for the next fetch. Only a wave that follows waves without messages
     * waits for data.
     */
    private CompletableFuture<FetchResult> fetchRanges(
            String stream, From from, int maxBytes, int maxWaitMs, List<RangeHolders> ranges) {
        List<MetadataResponse.Range> all = new ArrayList<>(ranges.size());
        ranges.forEach(r -> all.add(r.range()));
        java.util.Set<Integer> skipped = new java.util.HashSet<>();
        for (MetadataResponse.Range r : all) {
            if (RangeHistory.beforeStart(from, r, all)) {
                skipped.add(r.rangeId());
            }
        }
        Map<Integer, RangeFetch> fetched = new ConcurrentHashMap<>();
        Cursor base = from.kind() == StartPosition.Kind.CURSOR ? from.cursor() : new Cursor(List.of());
        return fetchWave(stream, from, maxBytes, maxWaitMs, ranges, skipped, fetched)
                .thenApply(v -> {
                    List<ReceivedMessage> messages = new ArrayList<>();
                    Cursor next = base;
                    boolean truncated = false;
                    for (RangeHolders range : ranges) {
                        RangeFetch f = fetched.get(range.rangeId());
                        if (f != null) {
                            messages.addAll(f.messages());
                            next = next.with(f.position());
                            truncated |= f.truncated();
                        }
                    }
                    return new FetchResult(messages, next.toToken(), truncated);
                });
    }

    private CompletableFuture<Void> fetchWave(
            String stream,
            From from,
            int maxBytes,
            int maxWaitMs,
            List<RangeHolders> ranges,
            java.util.Set<Integer> skipped,
            Map<Integer, RangeFetch> fetched) {
        List<RangeHolders> ready = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            RangeHolders range = ranges.get(i);
            if (fetched.containsKey(range.rangeId()) || skipped.contains(range.rangeId())) {
                continue;
            }
            boolean historyEnded = true;
            for (int j = 0; j < i && historyEnded; j++) {
                RangeHolders older = ranges.get(j);
                RangeFetch f = fetched.get(older.rangeId());
                historyEnded = !RangeHistory.overlap(older.range(), range.range())
                        || skipped.contains(older.rangeId())
                        || (f != null && f.ended());
            }
            if (historyEnded) {
                ready.add(range);
            }
        }
        if (ready.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        boolean anyMessages = false;
        for (RangeFetch f : fetched.values()) {
            anyMessages |= !f.messages().isEmpty();
        }
        int waitMs = anyMessages ? 0 : maxWaitMs;
        List<CompletableFuture<RangeFetch>> parts = new ArrayList<>(ready.size());
        for (RangeHolders range : ready) {
            int rangeId = range.rangeId();
            StartPosition start = from.startIn(rangeId);
            RangeCursor seed = from.kind() == StartPosition.Kind.CURSOR
                    ? from.cursor().range(rangeId)
                    : RangeCursor.beginning(rangeId);
            FetchRequest request = new FetchRequest(stream, rangeId, start, maxBytes, waitMs);
            parts.add(fetchRange(stream, request, seed, range.holders()).thenApply(f -> {
                fetched.put(rangeId, f);
                return f;
            }));
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
                .thenCompose(v -> fetchWave(stream, from, maxBytes, maxWaitMs, ranges, skipped, fetched));
    }

    /**
     * Fetches one range from its first holder, and from the next one when that one cannot answer
     * (down, or no longer holding the range); from the bootstrap node when the metadata names
     * none. A cursor is valid on every holder, so the answer is the same.
     */
    private CompletableFuture<RangeFetch> fetchRange(
            String stream, FetchRequest request, RangeCursor seed, List<InetSocketAddress> holders) {
        return askHolders(
                holders,
                0,
                target -> target.submit(
                        FrameType.FETCH,
                        FrameType.FETCH_OK,
                        request::write,
                        body -> decodeFetch(stream, body, RangePosition.of(seed)),
                        request.maxWaitMs()));
    }

    /**
     * Asks a range's {@code attempt}-th holder, and the next one when that one fails with a
     * retriable error; the bootstrap node when {@code holders} is empty.
     */
    private <T> CompletableFuture<T> askHolders(
            List<InetSocketAddress> holders,
            int attempt,
            java.util.function.Function<Sender, CompletableFuture<T>> ask) {
        Sender target = holders.isEmpty() ? sender : senders.forAddress(holders.get(attempt));
        CompletableFuture<T> part = ask.apply(target);
        if (attempt + 1 >= holders.size()) {
            return part;
        }
        return part.exceptionallyCompose(e -> {
            Throwable cause =
                    e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ScaleSmallException se && se.retriable() && !closed) {
                return askHolders(holders, attempt + 1, ask);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * How far a reader at {@code from} (usually a saved cursor) is behind the end of the stream:
     * the messages after it in every range it has yet to read, counted by the ranges' holders from
     * their batch headers (nothing is sent but the counts), and the time of the oldest of them.
     *
     * @param stream the stream
     * @param from the reader's position
     * @return the counts; fails with UNKNOWN_STREAM for a stream that does not exist, or
     *     INVALID_CURSOR for a cursor that cannot be read
     */
    public CompletableFuture<Lag> lag(String stream, From from) {
        Objects.requireNonNull(from, "from");
        try {
            checkOpen();
            validateStream(stream);
        } catch (ScaleSmallException e) {
            return CompletableFuture.failedFuture(e);
        }
        return metadata(stream).thenCompose(md -> {
            List<RangeHolders> ranges = rangesOf(md, stream);
            if (ranges.isEmpty()
                    && md.streams().stream().noneMatch(s -> s.name().equals(stream))) {
                return CompletableFuture.failedFuture(
                        new ScaleSmallException(ErrorCode.UNKNOWN_STREAM, "stream '" + stream + "' does not exist"));
            }
            List<MetadataResponse.Range> all = new ArrayList<>(ranges.size());
            ranges.forEach(r -> all.add(r.range()));
            List<CompletableFuture<LagResponse>> parts = new ArrayList<>();
            for (RangeHolders range : ranges) {
                if (RangeHistory.beforeStart(from, range.range(), all)) {
                    continue;
                }
                LagRequest request = new LagRequest(stream, range.rangeId(), from.startIn(range.rangeId()));
                parts.add(askHolders(
                        range.holders(),
                        0,
                        target -> target.submit(FrameType.LAG, FrameType.LAG_OK, request::write, LagResponse::read)));
            }
            return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
                    .thenApply(v -> Lag.of(
                            stream, parts.stream().map(CompletableFuture::join).toList()));
        });
    }

    /** One range's part of a fetch. */
    private record RangeFetch(List<ReceivedMessage> messages, RangeCursor position, boolean truncated, boolean ended) {}

    /** Runs on the sender's event loop, which owns {@link #fetchDecoder}. */
    private RangeFetch decodeFetch(String stream, ByteBuf body, RangePosition position) {
        DataResponse prefix = DataResponse.readPrefix(body);
        position.merge(prefix.position());
        List<ReceivedMessage> messages = new ArrayList<>();
        fetchDecoder.decode(stream, body, prefix.batchesLength(), position, m -> messages.add(m.toReceivedMessage()));
        return new RangeFetch(messages, position.toRangeCursor(), prefix.truncated(), prefix.ended());
    }

    /**
     * Describes streams: their options, ranges and replicas, and the cluster's nodes.
     *
     * @param streams the streams to describe; none for every stream
     * @return the server's answer
     */
    public CompletableFuture<MetadataResponse> metadata(String... streams) {
        if (closed) {
            return CompletableFuture.failedFuture(
                    new ScaleSmallException(ErrorCode.SHUTTING_DOWN, "the client is closed"));
        }
        MetadataRequest request = new MetadataRequest(List.of(streams));
        CompletableFuture<MetadataResponse> future =
                sender.submit(FrameType.METADATA, FrameType.METADATA_OK, request::write, MetadataResponse::read);
        return future.whenComplete((response, error) -> {
            if (response != null) {
                producers.update(response);
            }
        });
    }

    /**
     * Asks the connected node for the cluster's member table: every member it knows (itself
     * included, departed members until their tombstones expire) with its incarnation, status,
     * addresses, capacity and zone. Nodes' tables agree once the cluster has converged.
     *
     * @return the node's answer; fails with TIMEOUT when no node can be reached within the request
     *     timeout
     */
    public CompletableFuture<MembersResponse> members() {
        if (closed) {
            return CompletableFuture.failedFuture(
                    new ScaleSmallException(ErrorCode.SHUTTING_DOWN, "the client is closed"));
        }
        return sender.submit(
                FrameType.MEMBERS, FrameType.MEMBERS_OK, MembersRequest.INSTANCE::write, MembersResponse::read);
    }

    /**
     * Creates a stream with explicit options. Creating a stream that exists with the same
     * options succeeds with false; with other options the future fails with STREAM_EXISTS.
     *
     * @param stream the stream
     * @param options replication factor and retention
     * @return true when this call created the stream
     */
    public CompletableFuture<Boolean> createStream(String stream, StreamOptions options) {
        Objects.requireNonNull(options, "options");
        try {
            checkOpen();
            validateStream(stream);
        } catch (ScaleSmallException e) {
            return CompletableFuture.failedFuture(e);
        }
        CreateStreamRequest request = new CreateStreamRequest(stream, options);
        return sender.submit(
                FrameType.CREATE_STREAM,
                FrameType.CREATE_STREAM_OK,
                request::write,
                body -> body.readUnsignedByte() == 1);
    }

    /**
     * Closes the client, waiting up to the delivery timeout for unacknowledged messages.
     *
     * @see #close(Duration)
     */
    @Override
    public void close() {
        close(Duration.ofMillis(config.deliveryTimeoutMs()));
    }

    /**
     * Closes the client: closes every subscription, sends the open batches and waits up to {@code
     * timeout} for the acknowledgement of everything published, then fails what is still
     * unacknowledged with SHUTTING_DOWN and releases the I/O threads. Later calls to any method
     * fail with SHUTTING_DOWN. Idempotent.
     *
     * @param timeout how long to wait for outstanding acknowledgements
     * @throws IllegalStateException when called on the client's I/O thread
     */
    public void close(Duration timeout) {
        if (transport.inIoThread()) {
            throw new IllegalStateException("close() cannot wait on the client's I/O thread");
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (SubscriptionAgent s : List.copyOf(subscriptions)) {
            s.close();
        }
        boolean interrupted = false;
        try {
            flushAsync().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (ExecutionException | TimeoutException e) {
            // whatever is left is failed by the shutdown below
        }
        try {
            senders.shutdown().get(config.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            // the I/O threads are going away regardless
        }
        transport.close();
        transport.awaitTermination();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void requestMetadata(List<String> streams) {
        MetadataRequest request = new MetadataRequest(streams);
        sender.submit(FrameType.METADATA, FrameType.METADATA_OK, request::write, MetadataResponse::read)
                .whenComplete((response, error) -> {
                    if (response != null) {
                        producers.update(response);
                    }
                });
    }

    /** The ranges publishes to {@code stream} are routed to, in hash order; for tests. */
    List<Integer> routedRanges(String stream) {
        return producers.get(stream).rangeIds();
    }

    /**
     * Looks the stream's ranges up until it is routed: METADATA, CREATE_STREAM (default options)
     * when it does not exist, and METADATA again a moment later while its ranges are being placed.
     */
    private void resolveRanges(StreamProducer producer) {
        if (closed || producer.isRouted()) {
            producer.resolving.set(false);
            return;
        }
        MetadataRequest request = new MetadataRequest(List.of(producer.stream));
        sender.submit(FrameType.METADATA, FrameType.METADATA_OK, request::write, MetadataResponse::read)
                .whenComplete((response, error) -> {
                    if (response != null) {
                        producers.update(response);
                    } else if (error instanceof ScaleSmallException e && e.code() == ErrorCode.UNKNOWN_STREAM) {
                        createStream(producer.stream, StreamOptions.DEFAULT);
                    } else if (error instanceof ScaleSmallException e
                            && !e.code().retriable()) {
                        producer.resolving.set(false);
                        producer.failRouting(e);
                        return;
                    }
                    if (producer.isRouted() || closed) {
                        producer.resolving.set(false);
                    } else {
                        try {
                            sender.loop.schedule(
                                    () -> resolveRanges(producer), RESOLVE_RETRY_MS, TimeUnit.MILLISECONDS);
                        } catch (java.util.concurrent.RejectedExecutionException ignored) {
                            producer.resolving.set(false);
                        }
                    }
                });
    }

    private void refreshMetadata() {
        List<String> names = producers.streamNames();
        if (!names.isEmpty() && !closed) {
            requestMetadata(names);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new ScaleSmallException(ErrorCode.SHUTTING_DOWN, "the client is closed");
        }
    }

    private static void validateStream(String stream) {
        try {
            StreamNames.validate(stream);
        } catch (ProtocolException e) {
            throw ScaleSmallException.of(e);
        }
    }

    /** The sender; for tests. */
    Sender sender() {
        return sender;
    }

    /** Free in-flight bytes; for tests. */
    int availableInFlightBytes() {
        return limiter.availableBytes();
    }
}
