package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.cluster.ClusterMessage.Ack;
import io.scalesmall.server.cluster.ClusterMessage.Nack;
import io.scalesmall.server.cluster.ClusterMessage.Ping;
import io.scalesmall.server.cluster.ClusterMessage.PingReq;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SWIM failure detection with the Lifeguard refinements, for one node.
 *
 * <p>Every probe interval the next member of a shuffled round-robin list gets a direct {@link
 * Ping}; without an {@link Ack} within the probe timeout, {@code k} other members are asked to
 * probe it ({@link PingReq}); without any ack by the end of the interval it becomes SUSPECT and
 * this node broadcasts its {@link Accusation}. Helpers that hear nothing answer with a {@link
 * Nack}, which tells this node that the silence is not its own fault.
 *
 * <p>Suspicion (Lifeguard "local health aware suspicion"): a suspicion's timeout starts at {@code
 * beta * min} and shrinks towards {@code min = alpha * max(1, log10 N) * probeInterval} as
 * independent accusations arrive, reaching it at {@code K} confirmations. Only accusers run the
 * short timer; the other nodes wait twice the longest timeout before declaring the death
 * themselves, so one death costs one broadcast, not one per node.
 *
 * <p>Local health (Lifeguard "local health aware probe"): probe intervals and timeouts stretch by
 * {@code 1 + score} of {@link LocalHealth}. Not thread-safe; owned by the protocol's thread.
 */
final class FailureDetector {
    private static final class Probe {
        final long seq;
        final MemberEntry target;
        boolean acked;
        int nacksExpected;
        int nacks;

        Probe(long seq, MemberEntry target) {
            this.seq = seq;
            this.target = target;
        }
    }

    private record Relay(Endpoint origin, long originSeq, TimerQueue.Timer nackTimer) {}

    private static final class Suspicion {
        final NodeId suspect;
        final long incarnation;
        final long startMs;
        final Set<NodeId> accusers = new HashSet<>();
        boolean accusedByUs;
        TimerQueue.Timer timer;

        Suspicion(NodeId suspect, long incarnation, long startMs) {
            this.suspect = suspect;
            this.incarnation = incarnation;
            this.startMs = startMs;
        }
    }

    private final ClusterProtocol protocol;
    private final ClusterConfig config;
    private final List<NodeId> probeOrder = new ArrayList<>();
    private final List<NodeId> deadMembers = new ArrayList<>();
    private final Map<Long, Probe> probes = new HashMap<>();
    private final Map<Long, Relay> relays = new HashMap<>();
    private final Map<NodeId, Suspicion> suspicions = new HashMap<>();
    private int probeIndex;
    private long nextSeq = 1;
    private boolean running;
    private boolean bulkLoading;
    private TimerQueue.Timer probeTimer;

    FailureDetector(ClusterProtocol protocol) {
        this.protocol = protocol;
        this.config = protocol.config;
    }

    void start() {
        running = true;
        // A random phase keeps the nodes of a cluster from probing in lockstep.
        long phaseMs = protocol.random.nextLong(config.probeIntervalMs());
        probeTimer = protocol.timers.schedule(protocol.now() + phaseMs, this::probeNext);
    }

    void stop() {
        running = false;
        if (probeTimer != null) {
            probeTimer.cancel();
        }
    }

    /** Keeps the probe list and the suspicions in step with a change of the local view. */
    void memberChanged(MemberEntry previous, MemberEntry current) {
        boolean wasLive = previous != null && previous.status().isLive();
        if (current.status().isLive() && !wasLive && !bulkLoading) {
            probeOrder.add(protocol.random.nextInt(probeOrder.size() + 1), current.id());
        }
        if (current.status() == MemberStatus.DEAD && (previous == null || previous.status() != MemberStatus.DEAD)) {
            deadMembers.add(current.id());
        }
        Suspicion suspicion = suspicions.get(current.id());
        if (current.status() == MemberStatus.SUSPECT) {
            if (suspicion == null || suspicion.incarnation != current.incarnation()) {
                cancel(suspicion);
                suspicion = new Suspicion(current.id(), current.incarnation(), protocol.now());
                suspicions.put(current.id(), suspicion);
                reschedule(suspicion);
            }
        } else if (suspicion != null) {
            cancel(suspicion);
            suspicions.remove(current.id());
        }
    }

    /**
     * While bulk loading a view, new members are not inserted one by one (quadratic for a large
     * view); when it ends, the probe list is dropped and the next probe rebuilds it, shuffled.
     */
    void bulkLoading(boolean on) {
        bulkLoading = on;
        if (!on) {
            probeOrder.clear();
            probeIndex = 0;
        }
    }

    void forget(NodeId id) {
        cancel(suspicions.remove(id));
        deadMembers.remove(id);
    }

    /** A live member other than this node and {@code except}, chosen at random, or null. */
    MemberEntry randomLiveMember(NodeId except) {
        for (int attempt = 0; attempt < 8 && !probeOrder.isEmpty(); attempt++) {
            NodeId candidate = probeOrder.get(protocol.random.nextInt(probeOrder.size()));
            MemberEntry member = protocol.state.member(candidate);
            if (member != null && member.status().isLive() && !candidate.equals(except)) {
                return member;
            }
        }
        return null;
    }

    /** A member this node holds DEAD, chosen at random, or null: partitions heal through them. */
    MemberEntry randomDeadMember() {
        for (int attempt = 0; attempt < 4 && !deadMembers.isEmpty(); attempt++) {
            int index = protocol.random.nextInt(deadMembers.size());
            MemberEntry member = protocol.state.member(deadMembers.get(index));
            if (member != null && member.status() == MemberStatus.DEAD) {
                return member;
            }
            deadMembers.remove(index);
        }
        return null;
    }

    void onPing(Endpoint sender, Ping ping) {
        if (ping.target().equals(protocol.id)) {
            protocol.send(sender, new Ack(protocol.id, ping.seq()));
        }
    }

    void onAck(Ack ack) {
        Relay relay = relays.remove(ack.seq());
        if (relay != null) {
            relay.nackTimer().cancel();
            protocol.send(relay.origin(), new Ack(protocol.id, relay.originSeq()));
            return;
        }
        Probe probe = probes.get(ack.seq());
        if (probe != null) {
            probe.acked = true;
        }
    }

    void onNack(Nack nack) {
        Probe probe = probes.get(nack.seq());
        if (probe != null) {
            probe.nacks++;
        }
    }

    void onPingReq(Endpoint sender, PingReq request) {
        long seq = nextSeq++;
        Endpoint origin = protocol.replyEndpoint(request.from(), sender);
        long nackAfterMs = Math.max(1, config.probeTimeoutMs() * 4 / 5);
        TimerQueue.Timer nackTimer = protocol.timers.schedule(protocol.now() + nackAfterMs, () -> {
            if (relays.remove(seq) != null) {
                protocol.send(origin, new Nack(protocol.id, request.seq()));
            }
        });
        relays.put(seq, new Relay(origin, request.seq(), nackTimer));
        protocol.send(request.targetEndpoint(), new Ping(protocol.id, seq, request.target()));
    }

    void onAccusation(Accusation accusation) {
        Suspicion suspicion = suspicions.get(accusation.suspect());
        if (suspicion != null
                && suspicion.incarnation == accusation.incarnation()
                && suspicion.accusers.add(accusation.accuser())) {
            reschedule(suspicion);
        }
    }

    private void probeNext() {
        if (!running) {
            return;
        }
        long intervalMs = protocol.health.scale(config.probeIntervalMs());
        probeTimer = protocol.timers.schedule(protocol.now() + intervalMs, this::probeNext);
        MemberEntry target = nextTarget();
        if (target == null) {
            return;
        }
        Probe probe = new Probe(nextSeq++, target);
        probes.put(probe.seq, probe);
        protocol.send(target.metadata().clusterEndpoint(), new Ping(protocol.id, probe.seq, target.id()));
        protocol.counters.probesSent++;
        long timeoutMs = protocol.health.scale(config.probeTimeoutMs());
        protocol.timers.schedule(protocol.now() + timeoutMs, () -> maybeProbeIndirectly(probe));
        protocol.timers.schedule(protocol.now() + intervalMs, () -> finishProbe(probe));
    }

    /** The next live member of the shuffled round-robin list, reshuffled after every full round. */
    private MemberEntry nextTarget() {
        for (int attempt = 0; attempt <= probeOrder.size() + 1; attempt++) {
            if (probeIndex >= probeOrder.size()) {
                reshuffle();
                if (probeOrder.isEmpty()) {
                    return null;
                }
            }
            MemberEntry member = protocol.state.member(probeOrder.get(probeIndex++));
            if (member != null && member.status().isLive() && !member.id().equals(protocol.id)) {
                return member;
            }
        }
        return null;
    }

    private void reshuffle() {
        probeOrder.clear();
        probeIndex = 0;
        for (MemberEntry member : protocol.state.members()) {
            if (member.status().isLive() && !member.id().equals(protocol.id)) {
                probeOrder.add(member.id());
            }
        }
        for (int i = probeOrder.size() - 1; i > 0; i--) {
            int j = protocol.random.nextInt(i + 1);
            NodeId swap = probeOrder.get(i);
            probeOrder.set(i, probeOrder.get(j));
            probeOrder.set(j, swap);
        }
    }

    private void maybeProbeIndirectly(Probe probe) {
        if (probe.acked || !running) {
            return;
        }
        for (int i = 0; i < config.indirectProbes(); i++) {
            MemberEntry helper = randomLiveMember(probe.target.id());
            if (helper == null) {
                break;
            }
            protocol.send(
                    helper.metadata().clusterEndpoint(),
                    new PingReq(
                            protocol.id,
                            probe.seq,
                            probe.target.id(),
                            probe.target.metadata().clusterEndpoint()));
            probe.nacksExpected++;
            protocol.counters.indirectProbesSent++;
        }
    }

    private void finishProbe(Probe probe) {
        probes.remove(probe.seq);
        if (probe.acked) {
            protocol.health.better();
            return;
        }
        if (!running) {
            return;
        }
        protocol.counters.probesFailed++;
        // Helpers that did not even nack point at this node's own trouble, not the target's.
        int missing = probe.nacksExpected > 0 ? probe.nacksExpected - probe.nacks : 1;
        for (int i = 0; i < missing; i++) {
            protocol.health.worse();
        }
        MemberEntry current = protocol.state.member(probe.target.id());
        if (current == null
                || current.incarnation() != probe.target.incarnation()
                || !current.status().isLive()) {
            return;
        }
        if (current.status() == MemberStatus.ALIVE) {
            protocol.counters.suspicionsRaised++;
            protocol.declare(current.withStatus(MemberStatus.SUSPECT, protocol.now()));
        }
        accuse(current.id(), current.incarnation());
    }

    private void accuse(NodeId suspect, long incarnation) {
        Suspicion suspicion = suspicions.get(suspect);
        if (suspicion == null || suspicion.incarnation != incarnation || suspicion.accusedByUs) {
            return;
        }
        suspicion.accusedByUs = true;
        suspicion.accusers.add(protocol.id);
        // Beyond K confirmations more accusations change no timeout: keep them off the wire.
        if (suspicion.accusers.size() <= config.suspicionConfirmations() + 1) {
            protocol.declare(new Accusation(protocol.id, suspect, incarnation));
        }
        reschedule(suspicion);
    }

    private void reschedule(Suspicion suspicion) {
        cancel(suspicion);
        long deadlineMs = suspicion.startMs + timeoutMs(suspicion);
        suspicion.timer = protocol.timers.schedule(Math.max(deadlineMs, protocol.now()), () -> expire(suspicion));
    }

    /** Lifeguard's timeout: from {@code max} with no confirmation down to {@code min} at K. */
    private long timeoutMs(Suspicion suspicion) {
        double n = Math.max(1, protocol.state.liveCount());
        double minMs = config.suspicionAlpha() * Math.max(1.0, Math.log10(n)) * config.probeIntervalMs();
        double maxMs = config.suspicionBeta() * minMs;
        if (!suspicion.accusedByUs) {
            return (long) (2 * maxMs);
        }
        int confirmations = Math.max(0, suspicion.accusers.size() - 1);
        double fraction =
                Math.min(1.0, Math.log(confirmations + 1.0) / Math.log(config.suspicionConfirmations() + 1.0));
        return (long) Math.max(minMs, maxMs - (maxMs - minMs) * fraction);
    }

    private void expire(Suspicion suspicion) {
        if (suspicions.get(suspicion.suspect) != suspicion) {
            return;
        }
        suspicions.remove(suspicion.suspect);
        MemberEntry current = protocol.state.member(suspicion.suspect);
        if (current != null
                && current.status() == MemberStatus.SUSPECT
                && current.incarnation() == suspicion.incarnation) {
            protocol.counters.deathsDeclared++;
            protocol.declare(current.withStatus(MemberStatus.DEAD, protocol.now()));
        }
    }

    private static void cancel(Suspicion suspicion) {
        if (suspicion != null && suspicion.timer != null) {
            suspicion.timer.cancel();
        }
    }
}
