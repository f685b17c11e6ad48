package io.scalesmall.sim;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterProtocol;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.NodeMetadata;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One simulated node: its identity, the running {@link ClusterProtocol} instance (null while the
 * node is down) and the faults applied to it. Not thread-safe.
 *
 * <p><b>Slowness model.</b> A healthy node handles every event (a message or a timer) the moment
 * it arrives. A node slowed by factor {@code f > 1} is a single worker that handles its events one
 * after another, in arrival order, each taking a processing time drawn from an exponential
 * distribution with mean {@link #BASE_PROCESSING_MS} {@code * f}; with probability {@link
 * #STALL_PROBABILITY} an event also incurs a stall (a GC pause, a descheduled process) drawn from
 * an exponential distribution with mean {@link #STALL_MS} {@code * f}. An event is handled when
 * the worker has finished everything before it plus its own processing time, so queues build up
 * behind stalls, acks leave late, and timers fire late (which the protocol's local health notices).
 * With {@code f = 5}: 10 ms per event on average, and a 100 ms stall (mean) every 100 events.
 */
final class SimNode {
    /** Mean processing time of one event at slow factor 1. */
    static final double BASE_PROCESSING_MS = 2.0;
    /** Per event, the chance of an additional stall. */
    static final double STALL_PROBABILITY = 0.01;
    /** Mean stall at slow factor 1. */
    static final double STALL_MS = 20.0;

    final int index;
    final NodeId id;
    final Endpoint endpoint;
    final NodeMetadata metadata;
    /** Source of this node's protocol randomness: split anew at every start. */
    private final SplittableRandom protocolRandom;
    /** Source of this node's slowness draws, separate so slowing a node never shifts its protocol's choices. */
    private final SplittableRandom faultRandom;

    ClusterProtocol protocol;
    boolean up;
    boolean paused;
    boolean leaving;
    boolean everStarted;
    /** Crashed, paused, partitioned or left at some point: may legitimately be declared DEAD. */
    boolean faulted;
    /** Slowed at some point (counted apart in the false positives). */
    boolean slowed;
    /** Grows at every start and stop; events queued for an earlier life are dropped. */
    int life;
    /** The incarnation the next start uses: what a real node keeps in its data directory. */
    long nextIncarnation;

    long timerToken;
    long scheduledTimerUs = Long.MAX_VALUE;
    /** A timer wake-up is queued behind slow work or a pause: do not schedule another. */
    boolean timerInFlight;

    double slowFactor = 1.0;
    long busyUntilUs;
    final ArrayDeque<SimEvent> pausedInbox = new ArrayDeque<>();

    SimNode(int index, NodeId id, Endpoint endpoint, NodeMetadata metadata, SplittableRandom random) {
        this.index = index;
        this.id = id;
        this.endpoint = endpoint;
        this.metadata = metadata;
        this.protocolRandom = random.split();
        this.faultRandom = random.split();
    }

    /** A fresh random source for a new protocol instance. */
    SplittableRandom newProtocolRandom() {
        return protocolRandom.split();
    }

    /** True when events must be queued behind this node's work instead of handled at once. */
    boolean isSlow() {
        return slowFactor > 1.0;
    }

    /** Reserves the worker for one more event arriving at {@code nowUs}; returns when it is handled. */
    long nextHandleUs(long nowUs) {
        double workMs = exponential(BASE_PROCESSING_MS * slowFactor);
        if (faultRandom.nextDouble() < STALL_PROBABILITY) {
            workMs += exponential(STALL_MS * slowFactor);
        }
        busyUntilUs = Math.max(nowUs, busyUntilUs) + Math.max(1, Math.round(workMs * 1000));
        return busyUntilUs;
    }

    private double exponential(double meanMs) {
        return -meanMs * Math.log(1.0 - faultRandom.nextDouble());
    }

    /** Forgets the protocol instance and every pending wake-up: the process is gone. */
    void stop() {
        if (protocol != null && protocol.self() != null) {
            nextIncarnation = Math.max(nextIncarnation, protocol.self().incarnation() + 1);
        } else {
            nextIncarnation++;
        }
        protocol = null;
        up = false;
        paused = false;
        leaving = false;
        life++;
        timerToken++;
        scheduledTimerUs = Long.MAX_VALUE;
        timerInFlight = false;
        busyUntilUs = 0;
        pausedInbox.clear();
    }

    /** The name plus what was done to the node, for violation reports: {@code n12 (slowed, paused)}. */
    String describe() {
        StringBuilder b = new StringBuilder("n").append(index);
        String sep = " (";
        if (slowed) {
            b.append(sep).append("slowed");
            sep = ", ";
        }
        if (paused) {
            b.append(sep).append("paused");
            sep = ", ";
        }
        if (faulted) {
            b.append(sep).append("faulted before");
            sep = ", ";
        }
        return sep.equals(", ") ? b.append(')').toString() : b.toString();
    }

    @Override
    public String toString() {
        return "n" + index;
    }
}
