package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.FieldCodec;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.Header;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer of one (stream, range): its open batches (one per durability policy), its
 * producer identity and sequence, and the queues of its sealed batches.
 *
 * <p>Design note. Publishing threads take {@link #lock} once per message to append to an open
 * batch; sealing assigns the batch its producer sequence under the same lock and puts it on
 * {@link #ready}, so sequences follow seal order. Everything else ({@link #unsent}, {@link
 * #inflight}, {@link #retry} and the retry state) belongs to the sender's event loop, which moves
 * ready batches to {@code unsent} and sends them in order.
 *
 * <p>Invariants per producer identity: sequences are contiguous in seal order; the batches the
 * server stored are a prefix of them. So after a retriable failure every unacknowledged batch is
 * resent, in order, unchanged, once no request of the range is on the wire; and after a batch
 * fails for good (or expires), the unacknowledged batches after it that cannot have been stored
 * move to a fresh producer identity, since the server would otherwise wait forever for the
 * missing sequence.
 */
final class RangeProducer {
    static final int APPENDED = 0;
    static final int TOO_LARGE = 1;

    private static final int MIN_FRAME_CAPACITY = 1024;
    private static final Comparator<ProducerBatch> BY_SEAL_ORDER = Comparator.comparingLong(b -> b.sealOrder);

    final String stream;
    final int rangeId;
    /** The sender of the replica this range's batches go to; changes on failover (event loop). */
    volatile Sender sender;
    /** The range's replicas (client addresses) in placement order, from metadata. */
    volatile List<java.net.InetSocketAddress> replicas = List.of();
    /** Which of {@link #replicas} the batches go to now. Event loop. */
    int replicaIndex;

    private final int maxBatchBytes;
    private final int frameOverheadBytes;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private ProducerBatch openDefault;
    private List<ProducerBatch> openOverrides;
    private final ArrayDeque<ProducerBatch> ready = new ArrayDeque<>();
    private long producerId;
    private long nextSeq;
    private long nextSealOrder;
    private int frameCapacityHint = MIN_FRAME_CAPACITY;
    private int countHint = 16;
    private int unacked;

    /** First and last key hash of the range (inclusive), from metadata. */
    volatile long firstHash;

    volatile long lastHash = 0xFFFF_FFFFL;

    /** When the range was created (HLC), from metadata: a range replaces only older ones. */
    volatile long sinceHlc;

    /**
     * The producers of the ranges that replaced this one when a placement change sealed it (one,
     * or the halves of a split), routing its keys; set once, when metadata shows the change.
     * Batches this range refuses as sealed move there.
     */
    volatile RangeRouter successors;

    /**
     * While not empty, this producer sends nothing: the ranges it replaces still have
     * unacknowledged batches, which must reach the stream before this range's (they hold earlier
     * messages). Event loop only once set.
     */
    volatile List<RangeProducer> predecessors = List.of();

    /** Batches taken over from {@link #predecessors}, at the head of {@link #unsent}. Event loop. */
    private int absorbed;

    /** Whether a batch of this producer ever went out. Event loop. */
    boolean everSent;

    /** Set while this producer waits in the sender's ready queue. */
    final AtomicBoolean queuedForDrain = new AtomicBoolean();

    // Owned by the sender's event loop.
    final ArrayDeque<ProducerBatch> unsent = new ArrayDeque<>();
    final ArrayDeque<ProducerBatch> inflight = new ArrayDeque<>();
    final List<ProducerBatch> retry = new ArrayList<>();
    boolean retryPending;
    long retryAtNanos;
    boolean retryTimerSet;
    final Backoff retryBackoff;
    private List<long[]> pendingCuts;

    RangeProducer(String stream, int rangeId, Sender sender, ClientConfig config, long producerId) {
        this.stream = stream;
        this.rangeId = rangeId;
        this.sender = sender;
        this.maxBatchBytes = config.maxBatchBytes();
        this.producerId = producerId;
        this.retryBackoff = new Backoff(config.retryBackoffMs(), config.retryBackoffMaxMs());
        int streamBytes = stream.getBytes(StandardCharsets.UTF_8).length;
        // frame header, stream string, rangeId, policy override, batch header
        this.frameOverheadBytes = FrameHeader.BYTES + 2 + streamBytes + 4 + 2 + BatchFormat.HEADER_BYTES;
    }

    /**
     * Appends one message to the open batch of its policy, sealing that batch first when the
     * message does not fit. Called by publishing threads.
     *
     * @param restBytes the record body size without its timestamp delta
     * @return {@link #APPENDED}, or {@link #TOO_LARGE} when the message can never fit a frame
     */
    int append(
            CompletableFuture<PublishAck> future,
            byte[] key,
            byte[] value,
            List<Header> headers,
            DurabilityPolicy override,
            long timestampMs,
            int restBytes,
            int accountedBytes,
            Limits limits) {
        int body0 = restBytes + 1;
        if (body0 > limits.maxMessageBytes()
                || frameOverheadBytes + FieldCodec.varintSize(body0) + body0 > limits.maxFrameBytes()) {
            return TOO_LARGE;
        }
        ProducerBatch created = null;
        boolean createdOpen = false;
        boolean idle = false;
        boolean sealed = false;
        lock.lock();
        try {
            RangeRouter next = successors;
            if (next != null) {
                // Routed here just before a placement change replaced this range: the message goes
                // to the successor, behind everything this range still holds.
                lock.unlock();
                try {
                    return next.route(key)
                            .append(
                                    future,
                                    key,
                                    value,
                                    headers,
                                    override,
                                    timestampMs,
                                    restBytes,
                                    accountedBytes,
                                    limits);
                } finally {
                    lock.lock();
                }
            }
            ProducerBatch batch = override == null ? openDefault : openOverride(override);
            if (batch != null) {
                long delta = timestampMs - batch.baseTimestamp;
                int body = restBytes + FieldCodec.zigzagVarlongSize(delta);
                int record = FieldCodec.varintSize(body) + body;
                if (body <= limits.maxMessageBytes()
                        && batch.batchBytes() + record <= maxBatchBytes
                        && batch.frameBytes() + record <= limits.maxFrameBytes()) {
                    batch.append(future, key, value, headers, delta, body, accountedBytes);
                    return APPENDED;
                }
                sealLocked(batch);
                sealed = true;
            }
            int record = FieldCodec.varintSize(body0) + body0;
            created = newBatchLocked(override, timestampMs, record, limits);
            created.append(future, key, value, headers, 0, body0, accountedBytes);
            if (created.batchBytes() >= maxBatchBytes) {
                sealLocked(created);
                sealed = true;
            } else {
                createdOpen = true;
                idle = unacked == 0;
            }
        } finally {
            lock.unlock();
        }
        if (createdOpen) {
            sender.batchOpened(this, created, idle);
        }
        if (sealed) {
            sender.batchReady(this);
        }
        return APPENDED;
    }

    private ProducerBatch openOverride(DurabilityPolicy override) {
        if (openOverrides != null) {
            for (ProducerBatch b : openOverrides) {
                if (b.override.equals(override)) {
                    return b;
                }
            }
        }
        return null;
    }

    private ProducerBatch newBatchLocked(DurabilityPolicy override, long timestampMs, int firstRecord, Limits limits) {
        int capacity =
                Math.min(limits.maxFrameBytes(), Math.max(frameCapacityHint, frameOverheadBytes + firstRecord + 64));
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(capacity, limits.maxFrameBytes());
        ProducerBatch batch;
        try {
            batch = new ProducerBatch(
                    this, override, sender.nextRequestId(), frame, timestampMs, sender.nanoTime(), countHint);
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
        if (override == null) {
            openDefault = batch;
        } else {
            if (openOverrides == null) {
                openOverrides = new ArrayList<>(2);
            }
            openOverrides.add(batch);
        }
        return batch;
    }

    private void sealLocked(ProducerBatch batch) {
        batch.seal(producerId, nextSeq, nextSealOrder++);
        unacked++;
        nextSeq += batch.count;
        if (batch == openDefault) {
            openDefault = null;
        } else if (openOverrides != null) {
            openOverrides.remove(batch);
        }
        frameCapacityHint = Math.max(MIN_FRAME_CAPACITY, batch.frameBytes());
        countHint = batch.count;
        ready.addLast(batch);
    }

    /** Seals {@code batch} if it is still open (its linger expired). */
    boolean sealIfOpen(ProducerBatch batch) {
        lock.lock();
        try {
            if (!batch.open) {
                return false;
            }
            sealLocked(batch);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Notes that a sealed batch was acknowledged or failed for good. Any thread. */
    void batchFinished() {
        lock.lock();
        try {
            unacked--;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Seals the open batches created at or before {@code cutoffNanos} (their linger time passed).
     *
     * @return when the oldest batch still open was created, or {@link Long#MAX_VALUE} for none
     */
    long sealOpenedBefore(long cutoffNanos) {
        lock.lock();
        try {
            long oldest = Long.MAX_VALUE;
            if (openDefault != null) {
                if (openDefault.createdNanos - cutoffNanos <= 0) {
                    sealLocked(openDefault);
                } else {
                    oldest = openDefault.createdNanos;
                }
            }
            if (openOverrides != null) {
                for (int i = openOverrides.size() - 1; i >= 0; i--) {
                    ProducerBatch b = openOverrides.get(i);
                    if (b.createdNanos - cutoffNanos <= 0) {
                        sealLocked(b);
                    } else if (oldest == Long.MAX_VALUE || b.createdNanos - oldest < 0) {
                        oldest = b.createdNanos;
                    }
                }
            }
            return oldest;
        } finally {
            lock.unlock();
        }
    }

    /** Seals every open batch (a flush). */
    void sealAllOpen() {
        lock.lock();
        try {
            sealAllOpenLocked();
        } finally {
            lock.unlock();
        }
    }

    private void sealAllOpenLocked() {
        if (openDefault != null) {
            sealLocked(openDefault);
        }
        while (openOverrides != null && !openOverrides.isEmpty()) {
            sealLocked(openOverrides.get(0));
        }
    }

    // ---- event loop only from here on ----

    /** Moves sealed batches to {@link #unsent}, keeping their order. */
    void takeReady() {
        lock.lock();
        try {
            takeReadyLocked();
        } finally {
            lock.unlock();
        }
    }

    private void takeReadyLocked() {
        ProducerBatch b;
        while ((b = ready.pollFirst()) != null) {
            unsent.addLast(b);
        }
    }

    /** Removes an answered batch from {@link #inflight}. */
    void removeInflight(ProducerBatch batch) {
        if (inflight.peekFirst() == batch) {
            inflight.pollFirst();
        } else {
            inflight.remove(batch);
        }
    }

    /**
     * Records that {@code failed} failed for good, so that the batches of its identity after it
     * move to a new identity before the next resend.
     */
    void addCut(ProducerBatch failed) {
        if (pendingCuts == null) {
            pendingCuts = new ArrayList<>(1);
        }
        pendingCuts.add(new long[] {failed.producerId, failed.producerSeq});
    }

    /**
     * Puts every unacknowledged batch back in {@link #unsent} in sequence order, applying pending
     * identity cuts. Only while nothing of this range is in flight.
     */
    void prepareResend(Sender sender) {
        lock.lock();
        try {
            takeReadyLocked();
            if (retry.isEmpty() && pendingCuts == null) {
                return;
            }
            List<ProducerBatch> all = unackedSortedLocked();
            if (pendingCuts != null) {
                for (long[] cut : pendingCuts) {
                    moveToNewIdentityLocked(all, cut[0], cut[1], sender.newProducerId());
                }
                pendingCuts = null;
            }
            unsent.addAll(all);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails the batches whose delivery timeout passed, with the later batches of their identity
     * that may be stored, and moves the rest of that identity to a new one. Only while nothing of
     * this range is in flight.
     *
     * @return the batches to fail, for the caller to fail outside the lock
     */
    List<ProducerBatch> expire(long nowNanos, long deliveryTimeoutNanos, Sender sender) {
        if (!inflight.isEmpty() || !anyExpired(nowNanos, deliveryTimeoutNanos)) {
            return List.of();
        }
        List<ProducerBatch> failed = new ArrayList<>();
        lock.lock();
        try {
            takeReadyLocked();
            List<ProducerBatch> all = unackedSortedLocked();
            while (true) {
                ProducerBatch first = null;
                for (ProducerBatch b : all) {
                    if (nowNanos - b.createdNanos >= deliveryTimeoutNanos) {
                        first = b;
                        break;
                    }
                }
                if (first == null) {
                    break;
                }
                long pid = first.producerId;
                long seq = first.producerSeq;
                for (int i = all.size() - 1; i >= 0; i--) {
                    ProducerBatch b = all.get(i);
                    if (b == first
                            || (b.producerId == pid
                                    && b.producerSeq > seq
                                    && (b.maybeStored || nowNanos - b.createdNanos >= deliveryTimeoutNanos))) {
                        failed.add(b);
                        all.remove(i);
                    }
                }
                moveToNewIdentityLocked(all, pid, seq, sender.newProducerId());
            }
            unsent.addAll(all);
        } finally {
            lock.unlock();
        }
        return failed;
    }

    private boolean anyExpired(long nowNanos, long deliveryTimeoutNanos) {
        for (ProducerBatch b : unsent) {
            if (nowNanos - b.createdNanos >= deliveryTimeoutNanos) {
                return true;
            }
        }
        for (ProducerBatch b : retry) {
            if (nowNanos - b.createdNanos >= deliveryTimeoutNanos) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes every sealed, unacknowledged batch out of the queues, to be failed by the caller, and
     * starts a new producer identity. Only while nothing of this range is in flight.
     */
    List<ProducerBatch> abortAll(long newProducerId) {
        lock.lock();
        try {
            takeReadyLocked();
            List<ProducerBatch> all = unackedSortedLocked();
            pendingCuts = null;
            producerId = newProducerId;
            nextSeq = 0;
            retryPending = false;
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** Collects a future per unacknowledged sealed batch, for a flush. */
    void collectDone(List<CompletableFuture<Void>> out) {
        for (ProducerBatch b : inflight) {
            out.add(b.done());
        }
        for (ProducerBatch b : retry) {
            out.add(b.done());
        }
        for (ProducerBatch b : unsent) {
            out.add(b.done());
        }
    }

    /** Whether any sealed batch awaits sending or an answer. */
    boolean hasUnacked() {
        return !inflight.isEmpty() || !retry.isEmpty() || !unsent.isEmpty();
    }

    /**
     * Whether this producer must hold its batches: a predecessor still has messages that are
     * neither acknowledged nor moved on. Forgets the predecessors once they have none. Event loop.
     */
    boolean gated() {
        List<RangeProducer> ps = predecessors;
        if (ps.isEmpty()) {
            return false;
        }
        for (RangeProducer p : ps) {
            // The whole chain counts: a range replaced twice may still have messages two steps back.
            if (p.hasUnacked() || p.hasOpenOrReady() || p.gated()) {
                return true;
            }
        }
        System.Logger log = System.getLogger(RangeProducer.class.getName());
        if (log.isLoggable(System.Logger.Level.DEBUG)) {
            log.log(System.Logger.Level.DEBUG, "range {0}: the ranges it replaced are done", rangeId);
        }
        predecessors = List.of();
        return false;
    }

    /** The producers of {@link #successors}, or none. */
    RangeProducer[] successorProducers() {
        RangeRouter next = successors;
        return next == null ? new RangeProducer[0] : next.producers();
    }

    private boolean hasOpenOrReady() {
        lock.lock();
        try {
            return openDefault != null || (openOverrides != null && !openOverrides.isEmpty()) || !ready.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes over a batch the predecessor's range refused as sealed: it goes among the batches
     * taken over in the order it had in the predecessor, and before this producer's own, and
     * every unsent batch is numbered again in that order. Event loop; only while this producer has sent nothing ({@link #gated}).
     */
    void absorb(ProducerBatch batch) {
        batch.range.batchFinished();
        take(batch);
    }

    /** {@link #absorb} of a part of a predecessor's batch, which accounted for the whole batch. */
    void take(ProducerBatch batch) {
        lock.lock();
        try {
            takeReadyLocked();
            unacked++;
            if (everSent || !inflight.isEmpty() || !retry.isEmpty()) {
                // Something of ours went out already: keep every message, at the cost of order.
                System.getLogger(RangeProducer.class.getName())
                        .log(
                                System.Logger.Level.WARNING,
                                "range {0}/{1}: a batch of the range it replaced arrived after its own batches"
                                        + " were sent; its messages follow them",
                                stream,
                                rangeId);
                batch.retarget(this, producerId, nextSeq);
                System.getLogger(RangeProducer.class.getName())
                        .log(System.Logger.Level.WARNING, "absorbed late: {0}", batch.describe(System.nanoTime()));
                batch.sealOrder = nextSealOrder++;
                nextSeq += batch.count;
                unsent.addLast(batch);
                return;
            }
            // The predecessor's refusals arrive in any order (a retry may be answered after later
            // batches were): taken-over batches keep the order they had there.
            List<ProducerBatch> all = new ArrayList<>(unsent);
            batch.sourceOrder = batch.sealOrder;
            int at = 0;
            int taken = Math.min(absorbed, all.size());
            while (at < taken && all.get(at).sourceOrder < batch.sourceOrder) {
                at++;
            }
            all.add(at, batch);
            absorbed = taken + 1;
            unsent.clear();
            long seq = 0;
            long order = 0;
            for (ProducerBatch b : all) {
                if (b == batch) {
                    b.retarget(this, producerId, seq);
                } else {
                    b.reidentify(producerId, seq);
                }
                // Resends sort by seal order: keep it the order of the sequences.
                b.sealOrder = order++;
                seq += b.count;
                unsent.addLast(b);
            }
            nextSeq = seq;
            nextSealOrder = order;
            System.Logger log = System.getLogger(RangeProducer.class.getName());
            if (log.isLoggable(System.Logger.Level.DEBUG)) {
                log.log(System.Logger.Level.DEBUG, "absorbed {0}", batch.describe(System.nanoTime()));
            }
            // Batches still open are sealed later with sequences from nextSeq.
        } finally {
            lock.unlock();
        }
    }

    private List<ProducerBatch> unackedSortedLocked() {
        List<ProducerBatch> all = new ArrayList<>(retry.size() + unsent.size());
        all.addAll(retry);
        all.addAll(unsent);
        retry.clear();
        unsent.clear();
        all.sort(BY_SEAL_ORDER);
        return all;
    }

    private void moveToNewIdentityLocked(List<ProducerBatch> sorted, long pid, long afterSeq, long newId) {
        long seq = 0;
        for (ProducerBatch b : sorted) {
            if (b.producerId == pid && b.producerSeq > afterSeq) {
                b.reidentify(newId, seq);
                seq += b.count;
            }
        }
        if (producerId == pid) {
            producerId = newId;
            nextSeq = seq;
        }
    }

    /**
     * Moves this range's batches to another sender (another replica). Event loop of both senders
     * (they share it); only while nothing of this range is in flight.
     */
    void moveTo(Sender to) {
        Sender from = sender;
        if (from == to) {
            return;
        }
        from.release(this);
        sender = to;
        to.adopt(this);
    }

    /** The identity new batches get; for tests. */
    long currentProducerId() {
        lock.lock();
        try {
            return producerId;
        } finally {
            lock.unlock();
        }
    }

    private static List<Integer> idsOf(RangeProducer[] producers) {
        List<Integer> ids = new ArrayList<>(producers.length);
        for (RangeProducer p : producers) {
            ids.add(p.rangeId);
        }
        return ids;
    }

    /** A one-line account of this producer's queues, for diagnostics (event loop). */
    String describe(long nowNanos) {
        StringBuilder out = new StringBuilder();
        out.append("range ").append(stream).append('/').append(rangeId);
        int readyCount;
        lock.lock();
        try {
            readyCount = ready.size();
            out.append(": unacked ").append(unacked).append(", next seq ").append(nextSeq);
        } finally {
            lock.unlock();
        }
        out.append(", ready ").append(readyCount);
        out.append(", unsent ").append(unsent.size());
        out.append(", in flight ").append(inflight.size());
        out.append(", retry ").append(retry.size());
        if (retryPending) {
            out.append(" (pending, due in ")
                    .append((retryAtNanos - nowNanos) / 1_000_000)
                    .append(" ms, timer ")
                    .append(retryTimerSet)
                    .append(')');
        }
        out.append(", queued for drain ").append(queuedForDrain.get());
        out.append(", predecessors ").append(idsOf(predecessors.toArray(RangeProducer[]::new)));
        out.append(", successors ").append(idsOf(successorProducers()));
        out.append(", replicas ").append(replicas).append(" at ").append(replicaIndex);
        ProducerBatch head = !inflight.isEmpty() ? inflight.peekFirst() : !unsent.isEmpty() ? unsent.peekFirst() : null;
        if (head == null && !retry.isEmpty()) {
            head = retry.get(0);
        }
        if (head != null) {
            out.append(", head ").append(head.describe(nowNanos));
        }
        return out.toString();
    }
}
