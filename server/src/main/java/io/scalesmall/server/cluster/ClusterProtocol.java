package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterMessage.Ack;
import io.scalesmall.server.cluster.ClusterMessage.Broadcast;
import io.scalesmall.server.cluster.ClusterMessage.BroadcastAck;
import io.scalesmall.server.cluster.ClusterMessage.Join;
import io.scalesmall.server.cluster.ClusterMessage.JoinReply;
import io.scalesmall.server.cluster.ClusterMessage.Nack;
import io.scalesmall.server.cluster.ClusterMessage.Ping;
import io.scalesmall.server.cluster.ClusterMessage.PingReq;
import io.scalesmall.server.cluster.ClusterMessage.SyncBuckets;
import io.scalesmall.server.cluster.ClusterMessage.SyncDigest;
import io.scalesmall.server.cluster.ClusterMessage.SyncEntries;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The sans-IO cluster plane of one node: membership, SWIM-style failure detection with the
 * Lifeguard refinements ({@link FailureDetector}), logarithmic broadcast ({@link Broadcaster}) and
 * push-pull anti-entropy ({@link AntiEntropy}) over the {@link ClusterState} CRDT.
 *
 * <p>Driver contract: call {@link #start} once, then {@link #onMessage} for every message
 * received and {@link #onTimer} whenever the time reaches {@link #nextTimerMs()} (re-read it after
 * every call; calling early is harmless, calling late lowers the local health as Lifeguard
 * prescribes). All calls on one thread; the protocol reads no clock, creates no randomness and
 * touches no socket — it is handed the time and a seeded random source and puts its messages into
 * an {@link Outbox}.
 *
 * <p>Every change this node originates (its own entry, a suspicion, a death, a join it accepted)
 * is collected while one call runs and broadcast once at the end of the call, so changes made
 * together travel together. Changes learned from others are merged and never re-broadcast: the
 * broadcast reaches everyone by itself, and anti-entropy repairs what it missed.
 */
public final class ClusterProtocol {
    /** Recent joins remembered for piggybacking on broadcasts. */
    private static final int RECENT_JOINS = 32;
    /** How long a join is piggybacked, in probe intervals. */
    private static final int RECENT_JOIN_WINDOW_PROBES = 5;

    private record RecentJoin(MemberEntry member, long atMs) {}

    final ClusterConfig config;
    final NodeId id;
    final RandomGenerator random;
    ClusterState state = new ClusterState();
    final TimerQueue timers = new TimerQueue();
    final LocalHealth health;
    final ClusterCounters counters = new ClusterCounters();

    private final List<Endpoint> seeds;
    private final Outbox outbox;
    private final ClusterListener listener;
    private final FailureDetector detector;
    private final Broadcaster broadcaster;
    private final AntiEntropy antiEntropy;
    private final List<MemberEntry> pendingMembers = new ArrayList<>();
    private final List<ClaimSet> pendingClaims = new ArrayList<>();
    private final List<Accusation> pendingAccusations = new ArrayList<>();

    private final ArrayDeque<RecentJoin> recentJoins = new ArrayDeque<>();

    private MemberEntry self;
    private ClaimSet selfClaims;
    private long nowMs;
    private boolean started;
    private boolean joined;
    private boolean leaving;
    private int joinAttempts;

    /**
     * @param self this node's entry: ALIVE, with the incarnation it starts under (one more than
     *     the last it used, as persisted in its data directory)
     * @param selfClaims this node's claims (counter 0 and no ranges when it claims nothing)
     * @param seeds cluster endpoints to join through; this node's own endpoint is skipped
     * @param random the only source of randomness the protocol uses; seeded by the driver
     */
    public ClusterProtocol(
            ClusterConfig config,
            MemberEntry self,
            ClaimSet selfClaims,
            List<Endpoint> seeds,
            RandomGenerator random,
            Outbox outbox,
            ClusterListener listener) {
        if (self.status() != MemberStatus.ALIVE) {
            throw new IllegalArgumentException("a node starts ALIVE");
        }
        if (!selfClaims.owner().equals(self.id())) {
            throw new IllegalArgumentException("claims must be this node's own");
        }
        this.config = config;
        this.id = self.id();
        this.self = self;
        this.selfClaims = selfClaims;
        this.seeds = seeds.stream()
                .filter(seed -> !seed.equals(self.metadata().clusterEndpoint()))
                .toList();
        this.random = random;
        this.outbox = outbox;
        this.listener = listener;
        this.health = new LocalHealth(config.maxLocalHealth());
        this.detector = new FailureDetector(this);
        this.broadcaster = new Broadcaster(this);
        this.antiEntropy = new AntiEntropy(this);
    }

    /**
     * Before {@link #start}: starts from a known view instead of joining (simulations of a cluster
     * already formed, and tests). The view is copied, not merged entry by entry, so thousands of
     * nodes can start from one prebuilt state cheaply; the listener hears of every entry.
     */
    public void bootstrap(ClusterState view) {
        if (started) {
            throw new IllegalStateException("bootstrap comes before start");
        }
        state = view.copy();
        detector.bulkLoading(true);
        for (MemberEntry member : state.members()) {
            if (!member.id().equals(id)) {
                detector.memberChanged(null, member);
                listener.memberChanged(null, member);
            }
        }
        for (ClaimSet claims : state.allClaims()) {
            if (!claims.owner().equals(id)) {
                listener.claimsChanged(null, claims);
            }
        }
        detector.bulkLoading(false);
        joined = true;
    }

    /** Starts probing and anti-entropy; joins through the seeds when there are any. */
    public void start(long nowMs) {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        this.nowMs = nowMs;
        state.merge(self);
        listener.memberChanged(null, self);
        // Our claims entry always exists, even when empty: the seed spreads it with our join.
        state.merge(selfClaims);
        listener.claimsChanged(null, selfClaims);
        detector.start();
        antiEntropy.start();
        scheduleTombstoneExpiry();
        if (!joined && !seeds.isEmpty()) {
            sendJoin();
        } else {
            joined = true;
        }
        flush();
    }

    /** Handles one received message; {@code sender} is where it came from, as the transport saw it. */
    public void onMessage(long nowMs, Endpoint sender, ClusterMessage message) {
        if (!started || message.from().equals(id)) {
            return;
        }
        this.nowMs = nowMs;
        if (message instanceof Ping ping) {
            detector.onPing(sender, ping);
        } else if (message instanceof Ack ack) {
            detector.onAck(ack);
        } else if (message instanceof PingReq request) {
            detector.onPingReq(sender, request);
        } else if (message instanceof Nack nack) {
            detector.onNack(nack);
        } else if (message instanceof Broadcast broadcast) {
            broadcaster.onBroadcast(sender, broadcast);
        } else if (message instanceof BroadcastAck ack) {
            broadcaster.onAck(ack);
        } else if (message instanceof SyncDigest digest) {
            antiEntropy.onDigest(sender, digest);
        } else if (message instanceof SyncBuckets buckets) {
            antiEntropy.onBuckets(sender, buckets);
        } else if (message instanceof SyncEntries entries) {
            antiEntropy.onEntries(sender, entries);
        } else if (message instanceof Join join) {
            onJoin(join);
        } else if (message instanceof JoinReply reply) {
            onJoinReply(reply);
        }
        flush();
    }

    /**
     * Handles one message received on the multicast group ({@link Outbox#multicast}): only a
     * broadcast's first hop travels there; anything else is ignored.
     */
    public void onMulticast(long nowMs, Endpoint sender, ClusterMessage message) {
        if (!started || message.from().equals(id) || !(message instanceof Broadcast broadcast)) {
            return;
        }
        this.nowMs = nowMs;
        broadcaster.onMulticast(broadcast);
        flush();
    }

    /** Runs every timer due at {@code nowMs}. */
    public void onTimer(long nowMs) {
        if (!started) {
            return;
        }
        this.nowMs = nowMs;
        long latenessMs = timers.runDue(nowMs);
        if (latenessMs > config.probeTimeoutMs() / 2) {
            // A timer this late means this node did not get the CPU it needed (Lifeguard).
            health.worse();
            counters.lateTimers++;
        }
        flush();
    }

    /** The earliest time {@link #onTimer} has work, or {@link Long#MAX_VALUE}. */
    public long nextTimerMs() {
        return timers.nextDeadlineMs();
    }

    /** Announces a graceful leave: broadcasts this node as LEFT and stops probing. */
    public void leave(long nowMs) {
        if (!started || leaving) {
            return;
        }
        this.nowMs = nowMs;
        leaving = true;
        detector.stop();
        MemberEntry left = self.withStatus(MemberStatus.LEFT, nowMs);
        replaceSelf(left);
        flush();
        if (!joined) {
            // Our view may not hold anyone yet: let the seeds spread the leave. A Join carrying a
            // LEFT entry is merged and broadcast like any other news, and answered.
            for (Endpoint seed : seeds) {
                send(seed, new Join(id, self, selfClaims));
            }
        }
    }

    /**
     * True once a leave's broadcast hand-offs were all acked or given up on (and, for a node that
     * had not finished joining, a seed answered).
     */
    public boolean leaveDone() {
        return leaving && joined && broadcaster.pendingHandOffs() == 0;
    }

    /** Raises the incarnation and spreads new metadata (a changed address or capacity). */
    public void updateMetadata(long nowMs, NodeMetadata metadata) {
        this.nowMs = nowMs;
        replaceSelf(new MemberEntry(id, self.incarnation() + 1, MemberStatus.ALIVE, nowMs, metadata));
        flush();
    }

    /** Replaces this node's claims under a higher counter and spreads them. */
    public void updateClaims(long nowMs, List<StreamClaim> streams, List<RangeClaim> ranges) {
        this.nowMs = nowMs;
        ClaimSet previous = state.claims(id);
        selfClaims = new ClaimSet(id, selfClaims.counter() + 1, streams, ranges);
        state.merge(selfClaims);
        listener.claimsChanged(previous, selfClaims);
        pendingClaims.add(selfClaims);
        flush();
    }

    /** This node's id. */
    public NodeId id() {
        return id;
    }

    /** This node's current entry. */
    public MemberEntry self() {
        return self;
    }

    /** The local view. Read-only for callers, and only on the protocol's thread. */
    public ClusterState state() {
        return state;
    }

    /** The local health score (0 is healthy). */
    public int localHealth() {
        return health.score();
    }

    /** True once a seed answered the join (or no join was needed). */
    public boolean joined() {
        return joined;
    }

    /** What the protocol did so far. */
    public ClusterCounters counters() {
        return counters;
    }

    // ---- package-private services for the components ----

    long now() {
        return nowMs;
    }

    boolean leaving() {
        return leaving;
    }

    List<Endpoint> seeds() {
        return seeds;
    }

    FailureDetector detector() {
        return detector;
    }

    void send(Endpoint to, ClusterMessage message) {
        outbox.send(to, message);
    }

    boolean multicasts() {
        return outbox.multicasts();
    }

    void multicast(ClusterMessage message) {
        outbox.multicast(message);
    }

    /** Where to answer {@code from}: its advertised endpoint when known, else where it wrote from. */
    Endpoint replyEndpoint(NodeId from, Endpoint sender) {
        MemberEntry member = state.member(from);
        return member == null ? sender : member.metadata().clusterEndpoint();
    }

    /** A change this node originates: merged now, broadcast at the end of the current call. */
    void declare(MemberEntry entry) {
        if (applyMember(entry)) {
            pendingMembers.add(state.member(entry.id()));
        }
    }

    void declare(Accusation accusation) {
        pendingAccusations.add(accusation);
    }

    /** Merges news from another node; true when the local view changed. */
    boolean applyMember(MemberEntry entry) {
        if (entry.id().equals(id)) {
            onNewsAboutSelf(entry);
            return false;
        }
        if (ClusterState.isExpired(entry, nowMs, config.tombstoneTtlMs())) {
            return false;
        }
        MemberEntry previous = state.member(entry.id());
        if (!state.merge(entry)) {
            return false;
        }
        MemberEntry current = state.member(entry.id());
        detector.memberChanged(previous, current);
        listener.memberChanged(previous, current);
        if (current.status() == MemberStatus.ALIVE
                && (previous == null || previous.status().isTombstone())) {
            noteJoin(current);
        }
        return true;
    }

    private void noteJoin(MemberEntry member) {
        recentJoins.addFirst(new RecentJoin(member, nowMs));
        while (recentJoins.size() > RECENT_JOINS) {
            recentJoins.removeLast();
        }
    }

    /** Members that joined in the last {@link #RECENT_JOIN_WINDOW_PROBES} probe intervals, newest first. */
    List<MemberEntry> recentJoins() {
        List<MemberEntry> recent = new ArrayList<>(recentJoins.size());
        long horizonMs = nowMs - RECENT_JOIN_WINDOW_PROBES * config.probeIntervalMs();
        for (RecentJoin join : recentJoins) {
            MemberEntry current = state.member(join.member().id());
            if (join.atMs() >= horizonMs && join.member().equals(current)) {
                recent.add(current);
            }
        }
        return recent;
    }

    /** Merges claims from another node; true when the local view changed. */
    boolean applyClaims(ClaimSet claims) {
        if (claims.owner().equals(id)) {
            if (!claims.equals(selfClaims) && claims.counter() >= selfClaims.counter()) {
                // Claims of ours from an earlier life: ours must win, so raise our counter past them.
                ClaimSet previous = state.claims(id);
                selfClaims = new ClaimSet(id, claims.counter() + 1, selfClaims.streams(), selfClaims.ranges());
                state.merge(selfClaims);
                listener.claimsChanged(previous, selfClaims);
                pendingClaims.add(selfClaims);
            }
            return false;
        }
        // Claims merge whatever their owner's status, so every node holds the same ones; they go
        // when the owner's tombstone expires (ClusterState.expireTombstones).
        ClaimSet previous = state.claims(claims.owner());
        if (!state.merge(claims)) {
            return false;
        }
        listener.claimsChanged(previous, state.claims(claims.owner()));
        return true;
    }

    void applyAll(List<MemberEntry> members, List<ClaimSet> claims) {
        for (MemberEntry member : members) {
            applyMember(member);
        }
        for (ClaimSet claim : claims) {
            applyClaims(claim);
        }
    }

    void applyAccusation(Accusation accusation) {
        detector.onAccusation(accusation);
    }

    /**
     * Someone holds news about this node. Anything at our incarnation or above that is not our
     * current entry — a suspicion, a death, a leave or an entry from an earlier life — is refuted
     * by taking an incarnation above it. While leaving, the LEFT entry stands.
     */
    private void onNewsAboutSelf(MemberEntry news) {
        if (leaving || news.incarnation() < self.incarnation() || news.equals(self)) {
            return;
        }
        if (news.incarnation() == self.incarnation() && ClusterState.compare(news, self) < 0) {
            return;
        }
        if (news.status() == MemberStatus.SUSPECT) {
            health.worse();
        }
        counters.refutations++;
        replaceSelf(new MemberEntry(id, news.incarnation() + 1, MemberStatus.ALIVE, nowMs, self.metadata()));
    }

    private void replaceSelf(MemberEntry newSelf) {
        MemberEntry previous = self;
        self = newSelf;
        state.merge(newSelf);
        listener.memberChanged(previous, newSelf);
        pendingMembers.add(newSelf);
    }

    private void sendJoin() {
        Endpoint seed = seeds.get(joinAttempts++ % seeds.size());
        send(seed, new Join(id, self, selfClaims));
        timers.schedule(nowMs + config.joinRetryMs(), () -> {
            if (!joined && !leaving) {
                sendJoin();
            }
        });
    }

    private void onJoin(Join join) {
        if (!join.self().id().equals(join.from()) || !join.claims().owner().equals(join.from())) {
            return;
        }
        declare(join.self());
        if (applyClaims(join.claims())) {
            pendingClaims.add(join.claims());
        }
        List<MemberEntry> members = new ArrayList<>(state.members());
        List<ClaimSet> claims = new ArrayList<>(state.allClaims());
        send(join.self().metadata().clusterEndpoint(), new JoinReply(id, members, claims));
    }

    private void onJoinReply(JoinReply reply) {
        boolean first = !joined;
        joined = true;
        if (first) {
            detector.bulkLoading(true);
        }
        applyAll(reply.members(), reply.claims());
        if (first) {
            detector.bulkLoading(false);
            broadcaster.relayDeferred();
        }
    }

    private void scheduleTombstoneExpiry() {
        long everyMs = Math.max(1_000, Math.min(config.tombstoneTtlMs() / 4, 60_000));
        timers.schedule(nowMs + everyMs, () -> {
            for (NodeId forgotten : state.expireTombstones(nowMs, config.tombstoneTtlMs())) {
                detector.forget(forgotten);
                listener.memberRemoved(forgotten);
            }
            scheduleTombstoneExpiry();
        });
    }

    /** Broadcasts what this call originated. */
    private void flush() {
        if (pendingMembers.isEmpty() && pendingClaims.isEmpty() && pendingAccusations.isEmpty()) {
            return;
        }
        broadcaster.originate(pendingMembers, pendingClaims, pendingAccusations);
        pendingMembers.clear();
        pendingClaims.clear();
        pendingAccusations.clear();
    }
}
