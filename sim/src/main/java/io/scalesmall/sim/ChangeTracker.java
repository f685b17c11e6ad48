package io.scalesmall.sim;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterListener;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Watches every node's view through its {@link ClusterListener}: measures how changes spread,
 * how fast crashes are detected, counts false positives, and checks the view invariants.
 *
 * <p><b>Changes.</b> A change is (member, incarnation, status), first seen when any node adopts
 * it. A node knows a change once its entry for the member is at least as great in (incarnation,
 * status) order, whether it learned that very entry or a later one. A change is complete when
 * every node that is up knows it; its time is completion minus first sight (for a join: minus
 * the joiner's start) and its depth is the largest {@code hops} of the broadcast hand-offs that
 * taught it to some node. Each learning is attributed to what taught it: a broadcast, anti-entropy,
 * a join reply, another message, the node's own timers ({@code local}) or a later entry learned
 * first ({@code superseded}).
 *
 * <p><b>Invariants</b> (checked as each change happens, that is after every event): within one
 * node's view a member's incarnation never decreases, nor its status within one incarnation (a
 * removal by tombstone expiry starts over); and, when the scenario asks for it, a node that was
 * never crashed, paused, partitioned, slowed or stopped is never DEAD anywhere. The first
 * violation is kept; the simulation stops after the event that caused it.
 *
 * <p>Not thread-safe; never iterates a hash map.
 */
final class ChangeTracker {
    /** What taught a node a change. */
    enum Source {
        LOCAL,
        DIRECT,
        BROADCAST,
        SYNC,
        JOIN,
        SUPERSEDED,
        MULTICAST
    }

    private static final class Change {
        final SimNode member;
        final MemberStatus status;
        final long key;
        final long originUs;
        final boolean join;
        final BitSet known = new BitSet();
        /**
         * The nodes up when the change appeared: the ones it must reach. Nodes that start later
         * get the whole state with their join and are not waited for.
         */
        final BitSet audience;

        int needed;
        int knownUp;
        int maxHops;
        boolean complete;

        Change(SimNode member, MemberStatus status, long key, long originUs, boolean join, BitSet upNow) {
            this.audience = (BitSet) upNow.clone();
            this.needed = audience.cardinality();
            this.member = member;
            this.status = status;
            this.key = key;
            this.originUs = originUs;
            this.join = join;
        }
    }

    /** Detection of one crash: DEAD (or LEFT) at the first node, then at every node up. */
    static final class CrashWatch {
        final SimNode member;
        final long crashUs;
        final BitSet detected = new BitSet();
        int detectedUp;
        long firstUs = -1;
        long allUs = -1;
        boolean closed;
        boolean restartedFirst;

        CrashWatch(SimNode member, long crashUs) {
            this.member = member;
            this.crashUs = crashUs;
        }
    }

    private final Simulation sim;
    /** Lookup only. */
    private final Map<NodeId, SimNode> byId = new HashMap<>();

    private final List<List<Change>> changesByMember = new ArrayList<>();
    private final List<Change> open = new ArrayList<>();
    private final List<Change> pendingScans = new ArrayList<>();
    private boolean completedSome;
    final List<CrashWatch> crashes = new ArrayList<>();

    private int upCount;
    private final BitSet upNodes = new BitSet();
    boolean bootstrapping;
    private Source source = Source.LOCAL;
    private int sourceHops;
    boolean healthyNeverDead;
    private String violation;

    final Histogram allTimeUs = new Histogram(3);
    final Histogram joinTimeUs = new Histogram(3);
    final Histogram[] timeUsByStatus = new Histogram[MemberStatus.values().length];
    final Histogram depth = new Histogram(3);
    final long[] learnedBy = new long[Source.values().length];
    long changesSeen;
    long changesCompleted;
    final BitSet healthyMarkedDead = new BitSet();
    final BitSet slowMarkedDead = new BitSet();

    ChangeTracker(Simulation sim, SimNode[] nodes) {
        this.sim = sim;
        for (SimNode n : nodes) {
            byId.put(n.id, n);
            changesByMember.add(new ArrayList<>(2));
        }
        for (int i = 0; i < timeUsByStatus.length; i++) {
            timeUsByStatus[i] = new Histogram(3);
        }
    }

    ClusterListener listenerFor(SimNode viewer) {
        return new ClusterListener() {
            @Override
            public void memberChanged(MemberEntry previous, MemberEntry current) {
                onChanged(viewer, previous, current);
            }
        };
    }

    /** The node with this id, or null. */
    SimNode node(NodeId id) {
        return byId.get(id);
    }

    void source(Source newSource, int hops) {
        source = newSource;
        sourceHops = hops;
    }

    String violation() {
        return violation;
    }

    int upCount() {
        return upCount;
    }

    private static long key(MemberEntry e) {
        return key(e.incarnation(), e.status());
    }

    private static long key(long incarnation, MemberStatus status) {
        return incarnation * 4 + status.ordinal();
    }

    private void violate(String text) {
        if (violation == null) {
            violation = text;
        }
    }

    private void onChanged(SimNode viewer, MemberEntry prev, MemberEntry cur) {
        SimNode m = byId.get(cur.id());
        if (m == null) {
            return;
        }
        long now = sim.nowUs();
        if (prev != null
                && (cur.incarnation() < prev.incarnation()
                        || (cur.incarnation() == prev.incarnation()
                                && cur.status().ordinal() < prev.status().ordinal()))) {
            violate("view of " + m + " at " + viewer.describe() + " went back from (incarnation " + prev.incarnation()
                    + ", " + prev.status() + ") to (incarnation " + cur.incarnation() + ", " + cur.status() + ")");
        }
        if (cur.status() == MemberStatus.DEAD && (prev == null || prev.status() != MemberStatus.DEAD) && !m.faulted) {
            if (m.slowed) {
                slowMarkedDead.set(m.index);
            } else {
                healthyMarkedDead.set(m.index);
                if (healthyNeverDead) {
                    violate("never-faulted node " + m + " marked DEAD (incarnation " + cur.incarnation() + ") at "
                            + viewer.describe());
                }
            }
        }
        if (bootstrapping) {
            return;
        }
        if (cur.status().isTombstone() && (prev == null || prev.status().isLive())) {
            for (CrashWatch w : crashes) {
                if (w.member == m && !w.closed) {
                    detected(w, viewer, now);
                }
            }
        }
        long curKey = key(cur);
        long prevKey = prev == null ? -1 : key(prev);
        if (curKey <= prevKey) {
            return;
        }
        List<Change> list = changesByMember.get(m.index);
        if (find(list, curKey) == null) {
            Change c = new Change(m, cur.status(), curKey, now, false, upNodes);
            list.add(c);
            open.add(c);
            pendingScans.add(c);
            changesSeen++;
        }
        for (Change c : list) {
            if (!c.complete && c.key > prevKey && c.key <= curKey) {
                learn(c, viewer, source, sourceHops, now);
            }
        }
    }

    private static Change find(List<Change> list, long key) {
        for (Change c : list) {
            if (c.key == key) {
                return c;
            }
        }
        return null;
    }

    private void learn(Change c, SimNode viewer, Source by, int hops, long now) {
        if (c.known.get(viewer.index)) {
            return;
        }
        c.known.set(viewer.index);
        c.knownUp++;
        if (c.audience.get(viewer.index)) {
            c.needed--;
        }
        learnedBy[by.ordinal()]++;
        if (by == Source.BROADCAST) {
            c.maxHops = Math.max(c.maxHops, hops);
        }
        maybeComplete(c, now);
    }

    private void maybeComplete(Change c, long now) {
        if (c.complete || c.needed > 0) {
            return;
        }
        c.complete = true;
        completedSome = true;
        changesCompleted++;
        long t = Math.max(0, now - c.originUs);
        allTimeUs.recordValue(t);
        timeUsByStatus[c.status.ordinal()].recordValue(t);
        if (c.join) {
            joinTimeUs.recordValue(t);
        }
        depth.recordValue(c.maxHops);
    }

    private void detected(CrashWatch w, SimNode viewer, long now) {
        if (w.detected.get(viewer.index)) {
            return;
        }
        w.detected.set(viewer.index);
        w.detectedUp++;
        if (w.firstUs < 0) {
            w.firstUs = now;
        }
        maybeCompleteCrash(w, now);
    }

    private void maybeCompleteCrash(CrashWatch w, long now) {
        if (!w.closed && w.detectedUp >= upCount) {
            w.allUs = now;
            w.closed = true;
        }
    }

    /** After every event: finds the nodes that knew a new change before it appeared (they hold a later entry). */
    void afterEvent(long now) {
        if (!pendingScans.isEmpty()) {
            for (Change c : pendingScans) {
                if (c.complete) {
                    continue;
                }
                for (SimNode u : sim.nodes()) {
                    if (u.up && u.protocol != null && !c.known.get(u.index)) {
                        MemberEntry e = u.protocol.state().member(c.member.id);
                        if (e != null && key(e) >= c.key) {
                            learn(c, u, Source.SUPERSEDED, 0, now);
                        }
                    }
                }
            }
            pendingScans.clear();
        }
        if (completedSome) {
            open.removeIf(c -> c.complete);
            completedSome = false;
        }
    }

    void nodeUp(SimNode n) {
        upCount++;
        upNodes.set(n.index);
    }

    void nodeDown(SimNode n, long now) {
        upCount--;
        upNodes.clear(n.index);
        for (Change c : open) {
            if (c.audience.get(n.index)) {
                c.audience.clear(n.index);
                if (!c.known.get(n.index)) {
                    c.needed--;
                }
            }
            if (c.known.get(n.index)) {
                c.known.clear(n.index);
                c.knownUp--;
            }
        }
        for (CrashWatch w : crashes) {
            if (!w.closed && w.detected.get(n.index)) {
                w.detected.clear(n.index);
                w.detectedUp--;
            }
        }
        for (Change c : open) {
            maybeComplete(c, now);
        }
        for (CrashWatch w : crashes) {
            maybeCompleteCrash(w, now);
        }
        afterEvent(now);
    }

    /** A node started without a bootstrapped view: its join is a change that starts now. */
    void joinStarted(SimNode n, long incarnation, long now) {
        long k = key(incarnation, MemberStatus.ALIVE);
        List<Change> list = changesByMember.get(n.index);
        Change c = find(list, k);
        if (c == null) {
            c = new Change(n, MemberStatus.ALIVE, k, now, true, upNodes);
            list.add(c);
            open.add(c);
            changesSeen++;
        }
        learn(c, n, Source.LOCAL, 0, now);
    }

    /** Starts watching the detection of a crash that just happened (after {@link #nodeDown}). */
    void crashed(SimNode m, long now) {
        CrashWatch w = new CrashWatch(m, now);
        crashes.add(w);
        for (SimNode u : sim.nodes()) {
            if (u.up && u.protocol != null) {
                MemberEntry e = u.protocol.state().member(m.id);
                if (e != null && e.status().isTombstone()) {
                    detected(w, u, now);
                }
            }
        }
        maybeCompleteCrash(w, now);
    }

    /** The crashed node is back before every node noticed: its watch closes undecided. */
    void restarted(SimNode m) {
        for (CrashWatch w : crashes) {
            if (w.member == m && !w.closed) {
                w.closed = true;
                w.restartedFirst = true;
            }
        }
    }

    /** Changes not known by every node up at the end. */
    int incompleteChanges() {
        int n = 0;
        for (Change c : open) {
            if (!c.complete) {
                n++;
            }
        }
        return n;
    }
}
