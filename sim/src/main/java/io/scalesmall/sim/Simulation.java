package io.scalesmall.sim;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.ClusterProtocol;
import io.scalesmall.server.cluster.ClusterState;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.NodeMetadata;
import io.scalesmall.server.cluster.Outbox;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic discrete-event simulation of a cluster: many {@link ClusterProtocol} instances,
 * a {@link SimNetwork} between them and a {@link Scenario} of faults, in virtual time
 * (microseconds; the protocol sees milliseconds). One event queue ordered by (time, order of
 * scheduling) and one seeded {@link SplittableRandom}, split per node and per purpose, so the same
 * config gives the same run, byte for byte. The trace hash summarises the run: every handled
 * message (time, sender, receiver, type), every timer call and the final digest of every view.
 *
 * <p>Not thread-safe: a run happens on the calling thread. {@link #run} may be called once.
 */
public final class Simulation {
    /** Virtual time 0 as the protocol's wall clock (ms since the epoch). */
    public static final long EPOCH_MS = 1_700_000_000_000L;
    /** Nodes 0 .. SEEDS-1 are the seeds others (re)join through; scenarios do not fault them. */
    static final int SEEDS = 3;
    /** How often the convergence of the views is checked. */
    private static final long CONVERGENCE_PROBE_US = 250_000;
    /** A leaving node is stopped this long after its leave even if the leave broadcast is not done. */
    private static final long LEAVE_TIMEOUT_US = 5_000_000;

    private final SimConfig config;
    private final SplittableRandom scenarioRandom;
    private final PriorityQueue<SimEvent> queue = new PriorityQueue<>(
            Comparator.<SimEvent>comparingLong(e -> e.timeUs).thenComparingLong(e -> e.seq));
    private final SimNode[] nodes;
    private final SimNetwork network;
    private final TrafficStats traffic;
    private final ChangeTracker tracker;
    private final ConvergenceCheck convergence;
    private final long endUs;
    private long seq;
    private long nowUs;
    private long trace;
    private long events;
    private long handledMessages;
    private long droppedAtDownNode;
    private ClusterState bootstrapView = new ClusterState();
    private String violation;
    private long lastFaultUs;
    private boolean ran;
    private String divergenceAtEnd;
    private boolean membershipAgreedAtEnd;
    private PrintStream progressOut;
    private long progressEveryUs;

    public Simulation(SimConfig config) {
        this.config = config;
        SplittableRandom master = new SplittableRandom(config.seed());
        this.scenarioRandom = master.split();
        this.network = new SimNetwork(this, config, master.split(), config.nodes());
        this.traffic = new TrafficStats(config.nodes());
        this.nodes = new SimNode[config.nodes()];
        SplittableRandom idRandom = master.split();
        for (int i = 0; i < nodes.length; i++) {
            NodeId id = new NodeId(idRandom.nextLong(), idRandom.nextLong());
            String host = "10." + ((i >>> 16) & 255) + "." + ((i >>> 8) & 255) + "." + (i & 255);
            Endpoint cluster = new Endpoint(host, 7000);
            NodeMetadata metadata =
                    new NodeMetadata(cluster, new Endpoint(host, 7070), 1L << 40, 64L << 30, 16, "zone-" + (i % 3));
            nodes[i] = new SimNode(i, id, cluster, metadata, master.split());
            network.register(nodes[i]);
        }
        this.tracker = new ChangeTracker(this, nodes);
        this.convergence = new ConvergenceCheck(nodes, tracker);
        this.endUs = config.durationS() * 1_000_000;
        this.trace = config.seed() * 0x9E3779B97F4A7C15L;
    }

    // ---- what scenarios use ----

    SimConfig config() {
        return config;
    }

    SimNode[] nodes() {
        return nodes;
    }

    long nowUs() {
        return nowUs;
    }

    long nowMs() {
        return EPOCH_MS + nowUs / 1000;
    }

    SplittableRandom scenarioRandom() {
        return scenarioRandom;
    }

    TrafficStats traffic() {
        return traffic;
    }

    ChangeTracker tracker() {
        return tracker;
    }

    /** Runs {@code action} at {@code seconds} of virtual time. */
    void at(double seconds, String description, Runnable action) {
        schedule(Math.round(seconds * 1e6), new SimEvent.Action(description, action));
    }

    void schedule(long timeUs, SimEvent event) {
        event.timeUs = timeUs;
        event.seq = seq++;
        queue.add(event);
    }

    /** Steady-state traffic is measured between these times (clipped to the run). */
    void steadyWindow(double fromS, double toS) {
        double end = config.durationS();
        if (fromS < toS && fromS < end) {
            at(fromS, "steady window starts", () -> traffic.markWindowStart(nowUs));
            at(Math.min(toS, end), "steady window ends", () -> traffic.markWindowEnd(nowUs));
        }
    }

    /** Starts {@code members} at time 0 from a view in which all of them are ALIVE. */
    void startFormed(List<SimNode> members) {
        List<MemberEntry> view = new ArrayList<>(members.size());
        for (SimNode n : members) {
            view.add(new MemberEntry(n.id, n.nextIncarnation, MemberStatus.ALIVE, EPOCH_MS, n.metadata));
        }
        // One prebuilt state that every node copies: merging 10,000 entries into 10,000 views one by
        // one would hash each entry 10^8 times.
        bootstrapView = new ClusterState();
        for (MemberEntry entry : view) {
            bootstrapView.merge(entry);
        }
        for (SimNode n : members) {
            bootstrapView.merge(ClaimSet.empty(n.id));
        }
        for (SimNode n : members) {
            start(n, true, seedsFor(n));
        }
    }

    /** The seeds a (re)starting node joins through: the first {@link #SEEDS} nodes but itself. */
    List<Endpoint> seedsFor(SimNode n) {
        List<Endpoint> seeds = new ArrayList<>(SEEDS);
        for (int i = 0; i < Math.min(SEEDS, nodes.length); i++) {
            if (i != n.index) {
                seeds.add(nodes[i].endpoint);
            }
        }
        return seeds;
    }

    /** Starts (or restarts, with the next incarnation) a node that joins through {@code seeds}. */
    void startJoining(SimNode n, List<Endpoint> seeds) {
        if (n.up) {
            return;
        }
        if (n.everStarted) {
            tracker.restarted(n);
        }
        start(n, false, seeds);
    }

    private void start(SimNode n, boolean formed, List<Endpoint> seeds) {
        n.up = true;
        n.everStarted = true;
        n.life++;
        tracker.nodeUp(n);
        traffic.upNodesChanged(nowUs, tracker.upCount());
        long nowMs = nowMs();
        MemberEntry self = new MemberEntry(n.id, n.nextIncarnation, MemberStatus.ALIVE, nowMs, n.metadata);
        if (!formed) {
            tracker.joinStarted(n, self.incarnation(), nowUs);
        }
        tracker.source(ChangeTracker.Source.LOCAL, 0);
        tracker.bootstrapping = formed;
        n.protocol = new ClusterProtocol(
                config.cluster(),
                self,
                ClaimSet.empty(n.id),
                seeds,
                n.newProtocolRandom(),
                new Outbox() {
                    @Override
                    public void send(Endpoint to, ClusterMessage message) {
                        network.send(n, to, message);
                    }

                    @Override
                    public boolean multicasts() {
                        return config.multicast();
                    }

                    @Override
                    public void multicast(ClusterMessage message) {
                        network.multicast(n, message, nodes);
                    }
                },
                tracker.listenerFor(n));
        if (formed) {
            n.protocol.bootstrap(bootstrapView);
        }
        // A formed node's own entry, merged at start, is part of the view everyone began with.
        n.protocol.start(nowMs);
        tracker.bootstrapping = false;
        afterCall(n);
    }

    /** kill -9: the process is gone, messages to it are dropped. */
    void crash(SimNode n) {
        if (!n.up) {
            return;
        }
        n.faulted = true;
        stop(n);
        tracker.crashed(n, nowUs);
        lastFaultUs = nowUs;
    }

    /** A graceful leave: the node broadcasts LEFT and stops once that is done (or after a timeout). */
    void leave(SimNode n) {
        if (!n.up || n.leaving) {
            return;
        }
        n.faulted = true;
        n.leaving = true;
        lastFaultUs = nowUs;
        n.protocol.leave(nowMs());
        int life = n.life;
        schedule(nowUs + LEAVE_TIMEOUT_US, new SimEvent.Action("stop of leaving n" + n.index, () -> {
            if (n.up && n.life == life) {
                stop(n);
            }
        }));
        afterCall(n);
    }

    /** SIGSTOP: events queue up unhandled until {@link #resume}. */
    void pause(SimNode n) {
        if (n.up) {
            n.paused = true;
            n.faulted = true;
            lastFaultUs = nowUs;
        }
    }

    /** SIGCONT: everything that queued up is handled now, in arrival order. */
    void resume(SimNode n) {
        if (!n.up || !n.paused) {
            return;
        }
        n.paused = false;
        lastFaultUs = nowUs;
        while (!n.pausedInbox.isEmpty()) {
            schedule(nowUs, n.pausedInbox.poll());
        }
        afterCall(n);
    }

    /** From now on {@code n} handles its events {@code factor} times slower (see {@link SimNode}). */
    void slow(SimNode n, double factor) {
        n.slowFactor = factor;
        n.slowed = true;
        lastFaultUs = nowUs;
    }

    /** Splits the network: {@code groups[i]} is node i's side. Every node becomes faulted. */
    void partition(int[] groups) {
        network.partition(groups);
        for (SimNode n : nodes) {
            n.faulted = true;
        }
        lastFaultUs = nowUs;
    }

    void heal() {
        network.heal();
        lastFaultUs = nowUs;
    }

    /** Marks the time from which the final convergence is measured (a join, a restart). */
    void markChange() {
        lastFaultUs = nowUs;
    }

    private void stop(SimNode n) {
        n.stop();
        tracker.nodeDown(n, nowUs);
        traffic.upNodesChanged(nowUs, tracker.upCount());
    }

    // ---- the event loop ----

    void fireDelivery(SimEvent.Delivery d) {
        SimNode to = d.to;
        if (!to.up) {
            droppedAtDownNode++;
            return;
        }
        if (to.paused) {
            to.pausedInbox.add(d);
            return;
        }
        if (!d.deferred) {
            traffic.received(to, d.bytes);
            if (to.isSlow()) {
                d.deferred = true;
                d.life = to.life;
                schedule(to.nextHandleUs(nowUs), d);
                return;
            }
        } else if (d.life != to.life) {
            return;
        }
        handledMessages++;
        ClusterMessage m = d.message;
        int type = MessageSizes.typeIndex(m);
        mix(nowUs, d.from.index, to.index, type);
        if (d.multicast) {
            mix(1, 0, 0, 0);
            tracker.source(ChangeTracker.Source.MULTICAST, 0);
            to.protocol.onMulticast(nowMs(), d.from.endpoint, m);
            afterCall(to);
            return;
        }
        if (m instanceof ClusterMessage.Broadcast b) {
            mix(b.broadcastId(), b.hops(), 0, 0);
            tracker.source(ChangeTracker.Source.BROADCAST, b.hops());
        } else if (m instanceof ClusterMessage.SyncEntries
                || m instanceof ClusterMessage.SyncBuckets
                || m instanceof ClusterMessage.SyncDigest) {
            tracker.source(ChangeTracker.Source.SYNC, 0);
        } else if (m instanceof ClusterMessage.JoinReply || m instanceof ClusterMessage.Join) {
            tracker.source(ChangeTracker.Source.JOIN, 0);
        } else {
            tracker.source(ChangeTracker.Source.DIRECT, 0);
        }
        to.protocol.onMessage(nowMs(), d.from.endpoint, m);
        afterCall(to);
    }

    void fireTimer(SimEvent.TimerWake w) {
        SimNode n = w.node;
        if (!n.up || w.life != n.life || (!w.deferred && w.token != n.timerToken)) {
            return;
        }
        if (n.paused) {
            n.timerInFlight = true;
            n.pausedInbox.add(w);
            return;
        }
        if (!w.deferred && n.isSlow()) {
            w.deferred = true;
            n.timerInFlight = true;
            schedule(n.nextHandleUs(nowUs), w);
            return;
        }
        n.timerInFlight = false;
        n.scheduledTimerUs = Long.MAX_VALUE;
        long nowMs = nowMs();
        if (nowMs >= n.protocol.nextTimerMs()) {
            mix(nowUs, n.index, n.index, -1);
            tracker.source(ChangeTracker.Source.LOCAL, 0);
            n.protocol.onTimer(nowMs);
        }
        afterCall(n);
    }

    /** After every call into a protocol: stop a node whose leave is done, (re)arm its timer. */
    private void afterCall(SimNode n) {
        if (!n.up) {
            return;
        }
        if (n.leaving && n.protocol.leaveDone()) {
            stop(n);
            return;
        }
        if (n.timerInFlight) {
            return;
        }
        long t = n.protocol.nextTimerMs();
        if (t == Long.MAX_VALUE) {
            return;
        }
        long atUs = Math.max(nowUs, (t - EPOCH_MS) * 1000);
        if (atUs < n.scheduledTimerUs) {
            n.scheduledTimerUs = atUs;
            SimEvent.TimerWake w = new SimEvent.TimerWake(n, ++n.timerToken);
            w.life = n.life;
            schedule(atUs, w);
        }
    }

    private void mix(long a, long b, long c, long d) {
        long h = trace;
        h = mix64(h ^ a);
        h = mix64(h ^ (b << 32 ^ c));
        h = mix64(h ^ d);
        trace = h;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private void probeConvergence() {
        convergence.probe(nowUs);
        schedule(nowUs + CONVERGENCE_PROBE_US, new SimEvent.Action("convergence probe", this::probeConvergence));
    }

    /** Prints a line to {@code out} every {@code everyS} simulated seconds (null: silent). */
    public void progress(PrintStream out, double everyS) {
        this.progressOut = out;
        this.progressEveryUs = Math.max(1, Math.round(everyS * 1e6));
    }

    private void reportProgress(long wallStartNs) {
        progressOut.printf(
                Locale.ROOT,
                "sim: %s simulated, %.1f s wall clock, %d events, %d nodes up%n",
                formatUs(nowUs),
                (System.nanoTime() - wallStartNs) / 1e9,
                events,
                tracker.upCount());
        schedule(nowUs + progressEveryUs, new SimEvent.Action("progress", () -> reportProgress(wallStartNs)));
    }

    /** Runs the scenario to its end, or to the first invariant violation. */
    public SimReport run() {
        if (ran) {
            throw new IllegalStateException("a simulation runs once");
        }
        ran = true;
        long wallStartNs = System.nanoTime();
        config.scenario().plan(this);
        schedule(CONVERGENCE_PROBE_US, new SimEvent.Action("convergence probe", this::probeConvergence));
        if (progressOut != null) {
            schedule(progressEveryUs, new SimEvent.Action("progress", () -> reportProgress(wallStartNs)));
        }
        String violationEvent = null;
        SimEvent e;
        while ((e = queue.poll()) != null && e.timeUs <= endUs) {
            nowUs = e.timeUs;
            e.fire(this);
            events++;
            tracker.afterEvent(nowUs);
            if (tracker.violation() != null) {
                violation = tracker.violation();
                violationEvent = e.describe();
                break;
            }
        }
        if (violation == null) {
            nowUs = endUs;
        }
        traffic.advance(nowUs);
        boolean convergedAtEnd = violation == null && convergence.isConverged();
        String disagreement = convergedAtEnd || violation != null ? null : convergence.membershipDisagreement();
        membershipAgreedAtEnd = violation == null && (convergedAtEnd || disagreement == null);
        divergenceAtEnd =
                convergedAtEnd ? null : (disagreement == null ? "" : disagreement + "; ") + convergence.divergence();
        for (SimNode n : nodes) {
            if (n.up) {
                mix(n.index, n.protocol.state().digest(), 0, 1);
            }
        }
        double wallS = (System.nanoTime() - wallStartNs) / 1e9;
        return new SimReport(this, wallS, violation, violationEvent, convergedAtEnd);
    }

    // ---- what the report reads ----

    long trace() {
        return trace;
    }

    long events() {
        return events;
    }

    long handledMessages() {
        return handledMessages;
    }

    long droppedAtDownNode() {
        return droppedAtDownNode;
    }

    SimNetwork network() {
        return network;
    }

    /** Seconds from the last fault (or join, heal, resume) to the convergence that held at the end; -1 if none. */
    double convergenceAfterLastChangeS(boolean convergedAtEnd) {
        if (!convergedAtEnd || convergence.convergedSinceUs() < 0) {
            return -1;
        }
        return Math.max(0, convergence.convergedSinceUs() - lastFaultUs) / 1e6;
    }

    ConvergenceCheck convergence() {
        return convergence;
    }

    boolean membershipAgreedAtEnd() {
        return membershipAgreedAtEnd;
    }

    String divergenceAtEnd() {
        return divergenceAtEnd;
    }

    int upNodes() {
        return tracker.upCount();
    }

    static String formatUs(long us) {
        return String.format(Locale.ROOT, "t=%.6f s", us / 1e6);
    }
}
