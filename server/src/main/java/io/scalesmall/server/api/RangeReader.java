package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.server.replication.DataAgent;
import io.scalesmall.server.replication.DataStats;
import io.scalesmall.server.replication.Refusals;
import io.scalesmall.server.replication.TailWaiter;
import io.scalesmall.server.storage.RangeLog;
import io.scalesmall.server.storage.ReadResult;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One read of one range on one connection: a FETCH (one answer, possibly after waiting for data)
 * or a SUBSCRIBE (answers for as long as it lives). It reads whole stored batches from the log and
 * sends them as they are; at the end of the range it waits at the data agent, which hands it the
 * next batches straight from memory. It pushes only while the channel is writable, so a reader
 * that does not keep up costs a bounded outbound buffer, and resumes when the channel drains.
 *
 * <p>Runs on its channel's event loop; {@link #onData} and {@link #onClosed} are called on the
 * data agent thread and hop to the event loop.
 */
final class RangeReader implements TailWaiter {
    private static final Logger LOG = Logger.getLogger(RangeReader.class.getName());

    private final Channel channel;
    private final DataAgent agent;
    private final int requestId;
    private final boolean subscription;
    private final String stream;
    private final int rangeId;
    private final RangeLog log;
    private final int maxBytes;
    private final int maxWaitMs;
    private final DataStats.StreamTraffic traffic;
    private long nextIndex;
    /** What the reader counts as read where it starts; sent with the first answer only. */
    private List<RangeCursor.Entry> startVector = List.of();

    private boolean waiting;
    private boolean started;
    private boolean done;
    private boolean sentAny;
    private ScheduledFuture<?> timeout;

    RangeReader(
            Channel channel,
            DataAgent agent,
            int requestId,
            boolean subscription,
            String stream,
            int rangeId,
            RangeLog log,
            int maxBytes,
            int maxWaitMs) {
        this.channel = channel;
        this.agent = agent;
        this.requestId = requestId;
        this.subscription = subscription;
        this.stream = stream;
        this.rangeId = rangeId;
        this.log = log;
        this.maxBytes = maxBytes;
        this.maxWaitMs = maxWaitMs;
        this.traffic = agent.stats().stream(stream);
    }

    /**
     * Resolves the start position on the data agent (which knows what this replica holds of each
     * coordinator), then starts reading. Event loop.
     */
    void start(StartPosition start) {
        resolve(channel, agent, stream, rangeId, start, this::begin, (code, message) -> {
            fail(code, message);
            channel.flush();
        });
    }

    /** Told why a read start could not be resolved. */
    interface ResolveFailure {
        void fail(ErrorCode code, String message);
    }

    /**
     * Resolves {@code start} in a range on the data agent (which knows what this replica holds of
     * each coordinator), then calls {@code then} on the channel's event loop with the answer (null
     * when this node does not hold the range), or {@code failure} there when it cannot.
     */
    static void resolve(
            Channel channel,
            DataAgent agent,
            String stream,
            int rangeId,
            StartPosition start,
            java.util.function.Consumer<DataAgent.ReadStart> then,
            ResolveFailure failure) {
        boolean queued = agent.execute(() -> {
            DataAgent.ReadStart resolved;
            try {
                resolved = agent.resolveStart(stream, rangeId, start);
            } catch (ProtocolException e) {
                channel.eventLoop().execute(() -> failure.fail(e.code(), e.getMessage()));
                return;
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "cannot resolve a read start in " + stream + "/" + rangeId, e);
                channel.eventLoop()
                        .execute(() -> failure.fail(
                                ErrorCode.STORAGE_ERROR,
                                "cannot read " + stream + "/" + rangeId + ": " + e.getMessage()));
                return;
            }
            channel.eventLoop().execute(() -> then.accept(resolved));
        });
        if (!queued) {
            failure.fail(ErrorCode.BUSY, "node is busy; retry");
        }
    }

    private void begin(DataAgent.ReadStart resolved) {
        if (done) {
            return;
        }
        if (resolved == null) {
            fail(ErrorCode.NOT_A_REPLICA, "range " + rangeId + " of " + stream + " is not held by this node");
            channel.flush();
            return;
        }
        nextIndex = resolved.index();
        startVector = resolved.vector();
        started = true;
        pump();
    }

    /** Sends what is there and waits for more as the request asks. Event loop. */
    void pump() {
        if (!started) {
            return;
        }
        try {
            while (!done && channel.isWritable()) {
                ReadResult read = log.read(nextIndex, maxBytes);
                if (read.isEmpty()) {
                    read.release();
                    if (subscription && !sentAny) {
                        send(nextIndex, false, channel.alloc().buffer(0));
                    } else if (!subscription && maxWaitMs == 0) {
                        // No wait, but an ended range says so: a fetch moves on to its successors.
                        pollEnd();
                        break;
                    }
                    awaitData();
                    break;
                }
                long first = read.firstIndex();
                send(first, read.truncated(), read.batches());
                nextIndex = read.lastIndex() + 1;
                if (!subscription) {
                    finish();
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "read of " + stream + "/" + rangeId + " failed", e);
            fail(ErrorCode.STORAGE_ERROR, "read failed: " + e.getMessage());
        }
        channel.flush();
    }

    private void pollEnd() {
        if (waiting) {
            return;
        }
        waiting = true;
        long index = nextIndex;
        if (!agent.execute(() -> agent.pollData(stream, rangeId, index, maxBytes, this))) {
            waiting = false;
            fail(ErrorCode.BUSY, "node is busy; retry");
        }
    }

    @Override
    public void onNoData() {
        channel.eventLoop().execute(() -> {
            waiting = false;
            answerEmpty();
        });
    }

    private void awaitData() {
        if (waiting) {
            return;
        }
        waiting = true;
        long index = nextIndex;
        if (!agent.execute(() -> agent.awaitData(stream, rangeId, index, maxBytes, this))) {
            waiting = false;
            fail(ErrorCode.BUSY, "node is busy; retry");
            return;
        }
        if (!subscription && timeout == null) {
            timeout = channel.eventLoop().schedule(this::answerEmpty, maxWaitMs, TimeUnit.MILLISECONDS);
        }
    }

    /** A fetch that found nothing (now, or within its wait) answers with no batches. Event loop. */
    private void answerEmpty() {
        if (done) {
            return;
        }
        send(nextIndex, false, channel.alloc().buffer(0));
        finish();
        channel.flush();
    }

    @Override
    public void onData(long firstIndex, List<ByteBuf> batches) {
        channel.eventLoop().execute(() -> {
            waiting = false;
            if (done || batches.isEmpty() || firstIndex != nextIndex) {
                batches.forEach(ByteBuf::release);
                if (!done) {
                    pump();
                }
                return;
            }
            CompositeByteBuf all = channel.alloc().compositeDirectBuffer(batches.size());
            all.addComponents(true, batches);
            send(firstIndex, false, all);
            nextIndex = firstIndex + batches.size();
            if (!subscription) {
                finish();
            }
            pump();
        });
    }

    @Override
    public void onEnded() {
        channel.eventLoop().execute(() -> {
            waiting = false;
            if (done) {
                return;
            }
            sendEnd();
            finish();
            channel.flush();
        });
    }

    /** An empty answer saying the range is sealed and read to its end. */
    private void sendEnd() {
        RangeCursor position = new RangeCursor(rangeId, sentAny ? List.of() : startVector);
        ByteBuf header = channel.alloc().directBuffer(64);
        int start = FrameHeader.begin(header, subscription ? FrameType.SUBSCRIBE_DATA : FrameType.FETCH_OK, requestId);
        new DataResponse(rangeId, false, position, 0, true).writePrefix(header);
        FrameHeader.finish(header, start);
        channel.write(header, channel.voidPromise());
        sentAny = true;
    }

    @Override
    public void onClosed() {
        channel.eventLoop().execute(() -> {
            waiting = false;
            fail(ErrorCode.SHUTTING_DOWN, "node is stopping");
            channel.flush();
        });
    }

    /** The stream this read reads. */
    String stream() {
        return stream;
    }

    /** Whether this read has ended (answered, failed or unsubscribed). */
    boolean isDone() {
        return done;
    }

    /** Ends the read without answering (unsubscribe or channel closed). Event loop. */
    void close() {
        if (done) {
            return;
        }
        finish();
    }

    private void finish() {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (waiting) {
            agent.execute(() -> agent.cancelWait(stream, rangeId, this));
        }
    }

    /** Ends the read with an ERROR frame naming why. Event loop. */
    void fail(ErrorCode code, String message) {
        if (done) {
            return;
        }
        finish();
        ClientConnection.writeError(channel, requestId, code, message);
    }

    /** Messages in a run of whole stored batches. */
    private static int countMessages(ByteBuf batches) {
        int messages = 0;
        int at = batches.readerIndex();
        while (batches.writerIndex() - at >= BatchFormat.HEADER_BYTES) {
            messages += BatchFormat.isDuplicate(batches, at) ? 0 : BatchFormat.count(batches, at);
            at += Math.max(BatchFormat.HEADER_BYTES, BatchFormat.totalBytes(batches, at));
        }
        return messages;
    }

    /**
     * The batches with those void in the range (refused as sealed; see {@link
     * BatchFormat#REFUSAL_FLAG}) flagged as duplicates, so that readers skip them and still count
     * them read. Such a batch is in a log unflagged only when it arrived before the refusal
     * marker; then the run is copied. Takes ownership of {@code batches}.
     */
    static ByteBuf maskRefused(ByteBuf batches, Refusals refusals) {
        if (refusals.isEmpty()) {
            return batches;
        }
        int start = batches.readerIndex();
        int end = batches.writerIndex();
        ByteBuf copy = null;
        for (int at = start; end - at >= BatchFormat.HEADER_BYTES; ) {
            int total = Math.max(BatchFormat.HEADER_BYTES, BatchFormat.totalBytes(batches, at));
            if (!BatchFormat.isDuplicate(batches, at)
                    && refusals.covers(BatchFormat.producerId(batches, at), BatchFormat.producerSeq(batches, at))
                    && at + total <= end) {
                if (copy == null) {
                    copy = batches.alloc().directBuffer(end - start);
                    copy.writeBytes(batches, start, end - start);
                }
                BatchFormat.markDuplicate(copy, at - start);
                BatchFormat.writeCrc(copy, at - start);
            }
            at += total;
        }
        if (copy == null) {
            return batches;
        }
        batches.release();
        return copy;
    }

    private void send(long firstIndex, boolean truncated, ByteBuf batches) {
        batches = maskRefused(batches, agent.refusals(stream, rangeId));
        RangeCursor position = new RangeCursor(rangeId, sentAny ? List.of() : startVector);
        int length = batches.readableBytes();
        traffic.consumed(countMessages(batches), length);
        ByteBuf header = channel.alloc().directBuffer(64);
        int start = FrameHeader.begin(header, subscription ? FrameType.SUBSCRIBE_DATA : FrameType.FETCH_OK, requestId);
        new DataResponse(rangeId, truncated, position, length).writePrefix(header);
        header.setInt(start, header.writerIndex() - start - FrameHeader.LENGTH_FIELD_BYTES + length);
        channel.write(header, channel.voidPromise());
        channel.write(batches, channel.voidPromise());
        sentAny = true;
    }
}
