package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.StartPosition;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscription: its own connections (a primary to the configured servers, and one to each
 * other node holding ranges the primary's node does not) and its own delivery thread.
 *
 * <p>Design note. The connection lives on an event loop, which only frames bytes: each
 * SUBSCRIBE_DATA frame is queued, retained, for the delivery thread, which decodes it and calls the
 * handler. When {@code subscriptionQueueFrames} frames wait, the connection stops reading the
 * socket until the delivery thread has drained half of them, so a slow handler pushes back
 * through TCP and memory stays bounded. Connection endings travel through the same
 * queue, behind the frames that preceded them: the delivery thread delivers everything received,
 * then asks for a new connection starting from its own position, so nothing is lost or repeated.
 * The position (and so the cursor) belongs to the delivery thread; other threads read a snapshot
 * published after each frame.
 *
 * <p>Thread-safe public methods; the rest is confined as described.
 */
final class SubscriptionAgent implements Subscription, SubscriptionConnection.Owner, MessageView.CursorSource {
    private static final System.Logger LOG = System.getLogger(SubscriptionAgent.class.getName());
    private static final Object STOP = new Object();

    /** A connection ended; its frames before this marker are delivered first. */
    private record Lost(SubscriptionConnection connection) {}

    /** Ends the subscription with an error. */
    private record Fatal(ScaleSmallException error) {}

    /** The handler threw; carries its exception out of the decoder. */
    private static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(RuntimeException cause) {
            super(cause);
        }
    }

    private final String stream;
    private final From from;
    private final MessageHandler handler;
    private final Runnable onEnd;
    private final SubscriptionConnection connection;
    private final ClientConfig config;
    // Owned by the connections' event loop.
    private final Map<java.net.InetSocketAddress, SubscriptionConnection> siblings = new HashMap<>();
    private final Map<Integer, SubscriptionConnection> assignment = new HashMap<>();
    private final Map<Integer, Integer> attempts = new HashMap<>();
    /** Ranges read to their end, or wholly before the start. Event loop. */
    private final Set<Integer> ended = new HashSet<>();
    /** Ranges wholly before the subscription's start. Event loop. */
    private final Set<Integer> skipped = new HashSet<>();
    /** Ranges reached after older ranges of their keys that the reader reads: read from their beginning. Event loop. */
    private final Set<Integer> successors = new HashSet<>();
    /** Ranges already placed in one of the sets above, or started. Event loop. */
    private final Set<Integer> classified = new HashSet<>();
    /** The latest resume plan, made by the delivery thread after a connection's frames. */
    private volatile ResumePlan latestPlan;

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Transport transport;
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean deliveryDone;
    private volatile Cursor snapshot;

    // Owned by the delivery thread.
    private final BatchDecoder decoder = new BatchDecoder(this);
    private final List<RangePosition> positions = new ArrayList<>();
    private final BatchDecoder.Sink sink = this::deliver;

    SubscriptionAgent(
            ClientConfig config,
            Transport transport,
            String stream,
            From from,
            MessageHandler handler,
            int serverIndex,
            Runnable onEnd) {
        this.stream = stream;
        this.from = from;
        this.handler = handler;
        this.onEnd = onEnd;
        this.transport = transport;
        this.config = config;
        this.connection = new SubscriptionConnection(config, transport, stream, serverIndex, this);
        if (from.kind() == StartPosition.Kind.CURSOR) {
            for (RangeCursor r : from.cursor().ranges()) {
                RangePosition p = RangePosition.of(r);
                p.started = true;
                positions.add(p);
            }
        }
        this.snapshot = buildCursor(null);
        this.thread = new Thread(this::runDelivery, "scalesmall-subscription-" + stream);
        this.thread.setDaemon(true);
    }

    /** Starts the delivery thread and the first connection. */
    void start() {
        ResumePlan first = new ResumePlan(from, snapshot, startedRanges());
        latestPlan = first;
        thread.start();
        connection.loop().execute(() -> connection.connect(first));
    }

    @Override
    public String stream() {
        return stream;
    }

    @Override
    public String cursor() {
        if (Thread.currentThread() == thread) {
            return buildCursor(null).toToken();
        }
        return snapshot.toToken();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Whether the connection stopped reading because the frame queue is full; for tests. */
    boolean isReadingPaused() {
        return connection.isPaused();
    }

    private List<SubscriptionConnection> allConnections() {
        List<SubscriptionConnection> all = new ArrayList<>(siblings.values());
        all.add(connection);
        return all;
    }

    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        try {
            connection.loop().execute(() -> allConnections().forEach(SubscriptionConnection::unsubscribe));
        } catch (RejectedExecutionException e) {
            // the I/O threads are gone, and the connection with them
        }
        queue.offer(STOP);
        // Waiting on an I/O thread could stall the handler, if it waits for I/O, for good.
        if (Thread.currentThread() != thread && !transport.inIoThread()) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        onEnd.run();
    }

    // ---- delivery thread ----

    private void runDelivery() {
        try {
            while (true) {
                Object item = queue.take();
                if (item instanceof ByteBuf frame) {
                    try {
                        if (!closed) {
                            onData(frame);
                        }
                    } finally {
                        frame.release();
                    }
                    maybeResumeReading();
                } else if (item instanceof Lost lost) {
                    if (closed) {
                        break;
                    }
                    ResumePlan next = new ResumePlan(from, buildCursor(null), startedRanges());
                    latestPlan = next;
                    connection.loop().execute(() -> connectionLost(lost.connection(), next));
                } else if (item instanceof Fatal fatal) {
                    end(fatal.error());
                    break;
                } else if (item == STOP) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (HandlerFailure e) {
            end(new ScaleSmallException(
                    ErrorCode.INTERNAL_ERROR, "the message handler threw " + e.getCause(), e.getCause()));
        } catch (ProtocolException e) {
            end(ScaleSmallException.of(e));
        } catch (RejectedExecutionException e) {
            closed = true;
        } catch (RuntimeException e) {
            end(new ScaleSmallException(ErrorCode.INTERNAL_ERROR, "subscription failed: " + e, e));
        } finally {
            snapshot = buildCursor(null);
            deliveryDone = true;
            releaseQueued();
        }
    }

    private void onData(ByteBuf frame) {
        DataResponse prefix = DataResponse.readPrefix(frame);
        RangePosition position = position(prefix.rangeId());
        position.merge(prefix.position());
        position.started = true;
        decoder.decode(stream, frame, prefix.batchesLength(), position, sink);
        snapshot = buildCursor(null);
        if (prefix.ended()) {
            int rangeId = prefix.rangeId();
            connection.loop().execute(() -> rangeEnded(rangeId));
        }
    }

    private boolean deliver(MessageView message) {
        if (closed) {
            return false;
        }
        try {
            handler.onMessage(message);
        } catch (RuntimeException e) {
            throw new HandlerFailure(e);
        }
        return true;
    }

    private RangePosition position(int rangeId) {
        for (RangePosition p : positions) {
            if (p.rangeId == rangeId) {
                return p;
            }
        }
        RangePosition p = new RangePosition(rangeId);
        positions.add(p);
        return p;
    }

    private Set<Integer> startedRanges() {
        Set<Integer> started = new HashSet<>();
        for (RangePosition p : positions) {
            if (p.started) {
                started.add(p.rangeId);
            }
        }
        return started;
    }

    /** The cursor of every range's position, with {@code replaced}'s range taken from it. */
    private Cursor buildCursor(RangeCursor replaced) {
        List<RangeCursor> ranges = new ArrayList<>(positions.size() + 1);
        boolean replacedIn = false;
        for (RangePosition p : positions) {
            if (replaced != null && p.rangeId == replaced.rangeId()) {
                ranges.add(replaced);
                replacedIn = true;
            } else {
                ranges.add(p.toRangeCursor());
            }
        }
        if (replaced != null && !replacedIn) {
            ranges.add(replaced);
        }
        return new Cursor(ranges);
    }

    @Override
    public Cursor cursorWith(RangeCursor range) {
        return buildCursor(range);
    }

    private void end(ScaleSmallException error) {
        closed = true;
        try {
            connection.loop().execute(() -> allConnections().forEach(SubscriptionConnection::close));
        } catch (RejectedExecutionException e) {
            // the connection went with the I/O threads
        }
        try {
            if (!closeCalled.get()) {
                handler.onError(error);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "subscription error handler threw", e);
        }
        onEnd.run();
    }

    private void maybeResumeReading() {
        connection.requestResume();
        try {
            connection.loop().execute(() -> siblings.values().forEach(SubscriptionConnection::requestResume));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void releaseQueued() {
        Object item;
        while ((item = queue.poll()) != null) {
            if (item instanceof ByteBuf frame) {
                frame.release();
            }
        }
    }

    // ---- SubscriptionConnection.Owner, on the event loop ----

    @Override
    public void onFrame(ByteBuf frame) {
        enqueue(frame);
    }

    @Override
    public void onLost(SubscriptionConnection lost) {
        enqueue(new Lost(lost));
    }

    @Override
    public Set<Integer> frontier(MetadataResponse.Stream description) {
        List<MetadataResponse.Range> all = new ArrayList<>(description.ranges());
        all.sort(RangeHistory.OLDEST_FIRST);
        for (MetadataResponse.Range r : all) {
            if (!classified.add(r.rangeId())) {
                continue;
            }
            boolean followsRead = false;
            for (MetadataResponse.Range older : all) {
                if (older == r) {
                    break;
                }
                followsRead |= RangeHistory.overlap(older, r) && !skipped.contains(older.rangeId());
            }
            if (followsRead) {
                // Reached after ranges the reader reads: it holds later messages, read it whole.
                successors.add(r.rangeId());
            } else if (RangeHistory.beforeStart(from, r, all)) {
                skipped.add(r.rangeId());
                ended.add(r.rangeId());
            }
        }
        Set<Integer> out = new HashSet<>();
        for (MetadataResponse.Range r : all) {
            if (ended.contains(r.rangeId())) {
                continue;
            }
            boolean ready = true;
            for (MetadataResponse.Range older : all) {
                if (older == r) {
                    break;
                }
                ready &= !RangeHistory.overlap(older, r) || ended.contains(older.rangeId());
            }
            if (ready) {
                out.add(r.rangeId());
            }
        }
        return out;
    }

    @Override
    public boolean followsRead(int rangeId) {
        return successors.contains(rangeId);
    }

    /** The server says a range is sealed and read to its end: its successor follows. Event loop. */
    private void rangeEnded(int rangeId) {
        ended.add(rangeId);
        SubscriptionConnection c = assignment.remove(rangeId);
        if (c != null) {
            c.forget(rangeId);
        }
        connection.refreshNow();
    }

    @Override
    public boolean takeForPrimary(int rangeId, SubscriptionConnection primary) {
        SubscriptionConnection owner = assignment.get(rangeId);
        if (owner != null && owner != primary) {
            return false;
        }
        assignment.put(rangeId, primary);
        return true;
    }

    @Override
    public void assignElsewhere(int rangeId, List<java.net.InetSocketAddress> holders) {
        if (assignment.containsKey(rangeId) || holders.isEmpty() || closed) {
            return;
        }
        int attempt = attempts.getOrDefault(rangeId, 0);
        java.net.InetSocketAddress node = holders.get(attempt % holders.size());
        SubscriptionConnection sibling = siblings.computeIfAbsent(
                node, a -> new SubscriptionConnection(config, transport, connection.loop(), stream, a, this));
        assignment.put(rangeId, sibling);
        sibling.assign(rangeId, latestPlan.withSuccessors(successors));
    }

    /**
     * A connection ended and the frames it delivered are processed: the primary reconnects; the
     * ranges of another connection return to the pool, and the primary's next look at the metadata
     * gives them to another holder. Event loop.
     */
    private void connectionLost(SubscriptionConnection lost, ResumePlan plan) {
        assignment.values().removeIf(c -> c == lost);
        for (int rangeId : lost.ranges()) {
            attempts.merge(rangeId, 1, Integer::sum);
        }
        if (lost.isPrimary()) {
            lost.reconnectLater(plan.withSuccessors(successors));
        } else {
            siblings.remove(lost.node(), lost);
        }
    }

    @Override
    public void onFatal(ScaleSmallException error) {
        enqueue(new Fatal(error));
    }

    @Override
    public int queuedFrames() {
        return queue.size();
    }

    private void enqueue(Object item) {
        queue.offer(item);
        if (deliveryDone) {
            releaseQueued();
        }
    }
}
