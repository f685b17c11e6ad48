package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.server.replication.DataAgent;
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
    private final NodeId nodeId;
    private final int requestId;
    private final boolean subscription;
    private final String stream;
    private final int rangeId;
    private final RangeLog log;
    private final int maxBytes;
    private final int maxWaitMs;
    private long nextIndex;
    private long skipIndex;
    private int skip;
    private boolean waiting;
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
        this.nodeId = agent.nodeId();
        this.requestId = requestId;
        this.subscription = subscription;
        this.stream = stream;
        this.rangeId = rangeId;
        this.log = log;
        this.maxBytes = maxBytes;
        this.maxWaitMs = maxWaitMs;
    }

    /**
     * Resolves the start position.
     *
     * @throws ProtocolException INVALID_CURSOR when the cursor does not belong to this range
     * @throws IOException when the log cannot be read
     */
    void seek(StartPosition start) throws IOException {
        switch (start.kind()) {
            case BEGINNING -> nextIndex = log.firstIndex();
            case END -> nextIndex = log.nextIndex();
            case TIMESTAMP -> nextIndex = log.locateTime(start.timestampMs());
            case CURSOR -> seekCursor(start.cursor());
        }
        skipIndex = nextIndex;
    }

    private void seekCursor(RangeCursor cursor) {
        if (cursor.rangeId() != rangeId) {
            throw new ProtocolException(
                    ErrorCode.INVALID_CURSOR, "cursor is for range " + cursor.rangeId() + ", not range " + rangeId);
        }
        if (cursor.entries().isEmpty()) {
            nextIndex = log.firstIndex();
            return;
        }
        RangeCursor.Entry entry = cursor.entry(nodeId);
        if (entry == null) {
            throw new ProtocolException(
                    ErrorCode.INVALID_CURSOR,
                    "cursor was made on another node or data directory; this node is " + nodeId);
        }
        if (entry.batchSeq() + 1 > log.nextIndex()) {
            throw new ProtocolException(
                    ErrorCode.INVALID_CURSOR,
                    "cursor points past the end of " + stream + "/" + rangeId + " (batch " + (entry.batchSeq() + 1)
                            + ", next is " + log.nextIndex() + ")");
        }
        nextIndex = entry.batchSeq() + 1;
        skip = entry.skip();
    }

    /** Sends what is there and waits for more as the request asks. Event loop. */
    void pump() {
        try {
            while (!done && channel.isWritable()) {
                ReadResult read = log.read(nextIndex, maxBytes);
                if (read.isEmpty()) {
                    read.release();
                    if (subscription && !sentAny) {
                        send(nextIndex, false, channel.alloc().buffer(0));
                    } else if (!subscription && maxWaitMs == 0) {
                        send(nextIndex, false, channel.alloc().buffer(0));
                        finish();
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
            timeout = channel.eventLoop().schedule(this::timedOut, maxWaitMs, TimeUnit.MILLISECONDS);
        }
    }

    private void timedOut() {
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
    public void onClosed() {
        channel.eventLoop().execute(() -> {
            waiting = false;
            fail(ErrorCode.SHUTTING_DOWN, "node is stopping");
            channel.flush();
        });
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

    private void fail(ErrorCode code, String message) {
        if (done) {
            return;
        }
        finish();
        ClientConnection.writeError(channel, requestId, code, message);
    }

    private void send(long firstIndex, boolean truncated, ByteBuf batches) {
        int skipHere = firstIndex == skipIndex && !truncated ? skip : 0;
        RangeCursor position =
                new RangeCursor(rangeId, List.of(new RangeCursor.Entry(nodeId, firstIndex - 1, skipHere)));
        int length = batches.readableBytes();
        ByteBuf header = channel.alloc().directBuffer(64);
        int start = FrameHeader.begin(header, subscription ? FrameType.SUBSCRIBE_DATA : FrameType.FETCH_OK, requestId);
        new DataResponse(rangeId, truncated, position, length).writePrefix(header);
        header.setInt(start, header.writerIndex() - start - FrameHeader.LENGTH_FIELD_BYTES + length);
        channel.write(header, channel.voidPromise());
        channel.write(batches, channel.voidPromise());
        sentAny = true;
    }
}
