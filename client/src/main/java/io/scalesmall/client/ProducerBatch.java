package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.RecordCodec;
import io.scalesmall.protocol.RecordReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One batch of messages for one range and policy, built as a complete PUBLISH frame in one pooled
 * buffer: frame header, publish prefix, a reserved batch header, then the records, encoded
 * straight into the buffer as messages are appended. Sealing back-fills the batch header (count,
 * producer id and sequence, base timestamp, records length) and the frame length, so sending is a
 * duplicate of the buffer, and a retry resends the very same bytes.
 *
 * <p>Design note: while open, a batch is guarded by its {@link RangeProducer}'s lock; once sealed
 * it belongs to the sender's event loop, which alone sends, completes, fails or re-identifies it.
 */
final class ProducerBatch extends Request {
    private static final Object[] NO_FUTURES = new Object[0];

    /** The range the batch is for; changes only when a sealed range's batch moves to its successor. */
    RangeProducer range;

    final DurabilityPolicy override;
    final long baseTimestamp;
    final long createdNanos;
    private final ByteBuf frame;
    private final int batchAt;

    private Object[] futures;
    int count;
    int accountedBytes;
    boolean open = true;

    long producerId;
    long producerSeq;
    long sealOrder;
    /** Its {@link #sealOrder} in the range it was taken over from, while its successor holds it. */
    long sourceOrder;

    /**
     * Whether the server may have stored the batch: it was sent and no answer proved otherwise.
     * A batch that may be stored cannot move to a new producer identity without risking a
     * duplicate.
     */
    boolean maybeStored;

    private boolean completed;
    private CompletableFuture<Void> done;

    ProducerBatch(
            RangeProducer range,
            DurabilityPolicy override,
            int requestId,
            ByteBuf frame,
            long baseTimestamp,
            long createdNanos,
            int futuresHint) {
        super(requestId);
        this.range = range;
        this.override = override;
        this.frame = frame;
        this.baseTimestamp = baseTimestamp;
        this.createdNanos = createdNanos;
        this.futures = futuresHint > 0 ? new Object[futuresHint] : NO_FUTURES;
        FrameHeader.begin(frame, FrameType.PUBLISH, requestId);
        PublishRequest.writePrefix(frame, range.stream, range.rangeId, override);
        this.batchAt = frame.writerIndex();
        frame.writeZero(BatchFormat.HEADER_BYTES);
    }

    /** Bytes of the frame so far. */
    int frameBytes() {
        return frame.writerIndex();
    }

    /** Bytes of the batch (header and records) so far. */
    int batchBytes() {
        return frame.writerIndex() - batchAt;
    }

    /** Encodes one record; the caller holds the range lock and checked the size. */
    void append(
            CompletableFuture<PublishAck> future,
            byte[] key,
            byte[] value,
            List<Header> headers,
            long timestampDelta,
            int bodyBytes,
            int accounted) {
        RecordCodec.write(frame, bodyBytes, timestampDelta, key, value, headers);
        if (count == futures.length) {
            futures = Arrays.copyOf(futures, Math.max(16, count * 2));
        }
        futures[count++] = future;
        accountedBytes += accounted;
    }

    /**
     * Copies one record, already encoded against this batch's base timestamp, from another batch.
     */
    private void appendEncoded(ByteBuf source, int offset, int length, Object future, int accounted) {
        frame.writeBytes(source, offset, length);
        if (count == futures.length) {
            futures = Arrays.copyOf(futures, Math.max(16, count * 2));
        }
        futures[count++] = future;
        accountedBytes += accounted;
    }

    /**
     * Cuts a batch its range refused as sealed (so certainly not stored) into one batch for each
     * range of {@code successors} (the halves of a split range) that gets keys of it: each part
     * has this batch's messages of its keys in their order, their timestamps and their futures,
     * and this batch's seal order; keyless messages go with the first range. The parts carry this
     * batch's accounted bytes between them; this batch gives up its frame and its futures, and its
     * {@link #done} completes with the parts. Event loop; only while no copy of the frame is on
     * the wire.
     */
    List<ProducerBatch> partition(RangeRouter successors, java.util.function.IntSupplier requestIds) {
        RangeProducer[] targets = successors.producers();
        ProducerBatch[] parts = new ProducerBatch[targets.length];
        int recordsAt = batchAt + BatchFormat.HEADER_BYTES;
        int recordsLength = frame.writerIndex() - recordsAt;
        RecordReader reader =
                new RecordReader().reset(frame, recordsAt, recordsLength, baseTimestamp, Integer.MAX_VALUE);
        int start = recordsAt;
        long accountedBefore = 0;
        for (int i = 0; i < count && reader.next(); i++) {
            int end = reader.recordEnd();
            byte[] key = reader.keyBytes();
            int target = key == null ? 0 : successors.indexOf(Integer.toUnsignedLong(Murmur3.hash32(key, 0)));
            ProducerBatch part = parts[target];
            if (part == null) {
                ByteBuf partFrame = PooledByteBufAllocator.DEFAULT.directBuffer(frame.writerIndex(), frame.capacity());
                part = new ProducerBatch(
                        targets[target],
                        override,
                        requestIds.getAsInt(),
                        partFrame,
                        baseTimestamp,
                        createdNanos,
                        count);
                parts[target] = part;
            }
            // Accounted bytes split in proportion to record bytes, summing exactly to the whole.
            long accountedAfter = (long) accountedBytes * (end - recordsAt) / recordsLength;
            part.appendEncoded(frame, start, end - start, futures[i], (int) (accountedAfter - accountedBefore));
            accountedBefore = accountedAfter;
            start = end;
        }
        List<ProducerBatch> out = new ArrayList<>(parts.length);
        List<CompletableFuture<Void>> partsDone = new ArrayList<>(parts.length);
        for (ProducerBatch part : parts) {
            if (part != null) {
                part.seal(0, 0, sealOrder);
                out.add(part);
                partsDone.add(part.done());
            }
        }
        completed = true;
        frame.release();
        futures = NO_FUTURES;
        if (done != null) {
            CompletableFuture<Void> whole = done;
            CompletableFuture.allOf(partsDone.toArray(CompletableFuture[]::new))
                    .whenComplete((v, e) -> whole.complete(null));
        }
        return out;
    }

    /** Closes the batch to appends and back-fills its headers. */
    void seal(long producerId, long producerSeq, long sealOrder) {
        this.open = false;
        this.producerId = producerId;
        this.producerSeq = producerSeq;
        this.sealOrder = sealOrder;
        int end = frame.writerIndex();
        int recordsLength = end - batchAt - BatchFormat.HEADER_BYTES;
        frame.writerIndex(batchAt);
        BatchFormat.writeUnstampedHeader(frame, count, producerId, producerSeq, baseTimestamp, recordsLength);
        frame.writerIndex(end);
        FrameHeader.finish(frame, 0);
    }

    /**
     * Moves a sealed batch that was certainly not stored to another producer identity. Only while
     * no copy of the frame is on the wire.
     */
    void reidentify(long newProducerId, long newProducerSeq) {
        this.producerId = newProducerId;
        this.producerSeq = newProducerSeq;
        frame.setLong(batchAt + BatchFormat.PRODUCER_ID_OFFSET, newProducerId);
        frame.setLong(batchAt + BatchFormat.PRODUCER_SEQ_OFFSET, newProducerSeq);
    }

    /** A short description for logs: range, identity, sequence, size and age. */
    String describe(long nowNanos) {
        return "batch(range " + range.rangeId + ", producer " + Long.toHexString(producerId) + " seq " + producerSeq
                + ", " + count + " messages, " + (nowNanos - createdNanos) / 1_000_000 + " ms old)";
    }

    /**
     * Moves a batch its range refused as sealed (so certainly not stored) to the range's successor,
     * under the successor's identity and sequence. Only while no copy of the frame is on the wire.
     */
    void retarget(RangeProducer successor, long newProducerId, long newProducerSeq) {
        this.range = successor;
        // The publish prefix ends with i32 rangeId, u8 memory copies, u8 disk copies.
        frame.setInt(batchAt - 6, successor.rangeId);
        reidentify(newProducerId, newProducerSeq);
    }

    /** A view of the frame for one write; the batch keeps its own reference for retries. */
    ByteBuf frameForWrite() {
        return frame.retainedDuplicate();
    }

    /** Acknowledges every message of the batch, in one loop; releases the buffer and the bytes. */
    @SuppressWarnings("unchecked")
    void complete(PublishResponse response, InFlightLimiter limiter) {
        if (!finish(limiter)) {
            return;
        }
        NodeId coordinator = response.coordinator();
        long batchSeq = response.batchSeq();
        long hlcTime = response.hlcTime();
        boolean duplicate = response.duplicate();
        String stream = range.stream;
        int rangeId = range.rangeId;
        int n = count;
        for (int i = 0; i < n; i++) {
            ((CompletableFuture<PublishAck>) futures[i])
                    .complete(new PublishAck(stream, rangeId, coordinator, batchSeq, i, n, hlcTime, duplicate));
        }
        futures = NO_FUTURES;
        if (done != null) {
            done.complete(null);
        }
    }

    /** Fails every message of the batch; releases the buffer and the bytes. */
    void fail(ScaleSmallException error, InFlightLimiter limiter) {
        if (!finish(limiter)) {
            return;
        }
        for (int i = 0; i < count; i++) {
            ((CompletableFuture<?>) futures[i]).completeExceptionally(error);
        }
        futures = NO_FUTURES;
        if (done != null) {
            done.complete(null);
        }
    }

    private boolean finish(InFlightLimiter limiter) {
        if (completed) {
            return false;
        }
        completed = true;
        frame.release();
        limiter.release(accountedBytes);
        range.batchFinished();
        return true;
    }

    /** Completes when every message of the batch is acknowledged or failed. */
    CompletableFuture<Void> done() {
        if (done == null) {
            done = completed ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
        }
        return done;
    }

    /** Whether the batch is acknowledged or failed. */
    boolean isCompleted() {
        return completed;
    }
}
