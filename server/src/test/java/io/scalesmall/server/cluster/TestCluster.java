package io.scalesmall.server.cluster;

import io.scalesmall.protocol.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;

/**
 * A small deterministic harness for protocol tests: virtual time in ms, 1 ms links, nodes that can
 * be stopped, cut off or restarted, and a filter to drop chosen messages. The real simulator
 * lives in the {@code sim} module; this one keeps the server's unit tests self-contained.
 */
final class TestCluster {
    /** What the drop filter sees as the destination of a multicast. */
    static final Endpoint MULTICAST_GROUP = new Endpoint("239.255.0.1", 7946);

    final ClusterConfig config;
    final SplittableRandom random;
    final Map<Endpoint, TestNode> nodes = new LinkedHashMap<>();
    final List<ClusterMessage> delivered = new ArrayList<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final Set<Endpoint> cutOff = new HashSet<>();
    private BiPredicate<Endpoint, ClusterMessage> drop = (to, message) -> false;
    private long nowMs;
    private long sequence;
    private boolean multicast;

    private record Event(long atMs, long sequence, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            int c = Long.compare(atMs, other.atMs);
            return c != 0 ? c : Long.compare(sequence, other.sequence);
        }
    }

    final class TestNode {
        final NodeId id;
        final Endpoint endpoint;
        ClusterProtocol protocol;
        boolean up;
        long incarnation;
        private Event timer;

        TestNode(NodeId id, Endpoint endpoint) {
            this.id = id;
            this.endpoint = endpoint;
        }

        void start(List<Endpoint> seeds) {
            incarnation++;
            NodeMetadata metadata =
                    new NodeMetadata(endpoint, new Endpoint(endpoint.host(), 9000), 1L << 40, 1L << 30, 2, "");
            MemberEntry self = new MemberEntry(id, incarnation, MemberStatus.ALIVE, nowMs, metadata);
            protocol = new ClusterProtocol(
                    config,
                    self,
                    ClaimSet.empty(id),
                    seeds,
                    random.split(),
                    new Outbox() {
                        @Override
                        public void send(Endpoint to, ClusterMessage message) {
                            TestNode.this.send(to, message);
                        }

                        @Override
                        public boolean multicasts() {
                            return multicast;
                        }

                        @Override
                        public void multicast(ClusterMessage message) {
                            TestNode.this.multicast(message);
                        }
                    },
                    new ClusterListener() {
                        @Override
                        public void memberChanged(MemberEntry previous, MemberEntry current) {
                            if (current.id().equals(id)) {
                                incarnation = Math.max(incarnation, current.incarnation());
                            }
                        }
                    });
            up = true;
            protocol.start(nowMs);
            armTimer();
        }

        void crash() {
            up = false;
        }

        MemberStatus statusOf(TestNode other) {
            MemberEntry entry = protocol.state().member(other.id);
            return entry == null ? null : entry.status();
        }

        MemberEntry entryOf(TestNode other) {
            return protocol.state().member(other.id);
        }

        private void send(Endpoint to, ClusterMessage message) {
            if (!up || cutOff.contains(endpoint) || cutOff.contains(to) || drop.test(to, message)) {
                return;
            }
            at(nowMs + 1, () -> {
                TestNode receiver = nodes.get(to);
                if (receiver != null && receiver.up && !cutOff.contains(to)) {
                    delivered.add(message);
                    receiver.protocol.onMessage(nowMs, endpoint, message);
                    receiver.armTimer();
                }
            });
        }

        private void multicast(ClusterMessage message) {
            if (!up || cutOff.contains(endpoint) || drop.test(MULTICAST_GROUP, message)) {
                return;
            }
            at(nowMs + 1, () -> {
                for (TestNode receiver : nodes.values()) {
                    if (receiver != this && receiver.up && !cutOff.contains(receiver.endpoint)) {
                        delivered.add(message);
                        receiver.protocol.onMulticast(nowMs, endpoint, message);
                        receiver.armTimer();
                    }
                }
            });
        }

        private void armTimer() {
            long next = protocol.nextTimerMs();
            if (timer != null && timer.atMs == next) {
                return;
            }
            if (next == Long.MAX_VALUE) {
                return;
            }
            ClusterProtocol owner = protocol;
            timer = at(Math.max(next, nowMs), () -> {
                if (up && protocol == owner) {
                    timer = null;
                    protocol.onTimer(nowMs);
                    armTimer();
                }
            });
        }
    }

    TestCluster(ClusterConfig config, long seed) {
        this.config = config;
        this.random = new SplittableRandom(seed);
    }

    TestNode add(int index) {
        NodeId id = new NodeId(random.nextLong(), random.nextLong());
        Endpoint endpoint = new Endpoint("10.0." + (index / 250) + "." + (index % 250 + 1), 7946);
        TestNode node = new TestNode(id, endpoint);
        nodes.put(endpoint, node);
        return node;
    }

    List<TestNode> nodes() {
        return new ArrayList<>(nodes.values());
    }

    long now() {
        return nowMs;
    }

    void cutOff(TestNode node, boolean cut) {
        if (cut) {
            cutOff.add(node.endpoint);
        } else {
            cutOff.remove(node.endpoint);
        }
    }

    /** Gives every node a multicast group reaching all the others (off by default). */
    void multicast(boolean enabled) {
        this.multicast = enabled;
    }

    void drop(BiPredicate<Endpoint, ClusterMessage> filter) {
        this.drop = filter;
    }

    private Event at(long atMs, Runnable action) {
        Event event = new Event(atMs, sequence++, action);
        events.add(event);
        return event;
    }

    /** Runs events until {@code condition} holds; fails after {@code limitMs} of virtual time. */
    long runUntil(BooleanSupplier condition, long limitMs) {
        long start = nowMs;
        while (!condition.getAsBoolean()) {
            Event event = events.poll();
            if (event == null || event.atMs - start > limitMs) {
                throw new AssertionError("condition not reached within " + limitMs + " ms of virtual time");
            }
            nowMs = Math.max(nowMs, event.atMs);
            event.action.run();
        }
        return nowMs - start;
    }

    /** Runs every event for {@code durationMs} of virtual time. */
    void runFor(long durationMs) {
        long end = nowMs + durationMs;
        while (!events.isEmpty() && events.peek().atMs <= end) {
            Event event = events.poll();
            nowMs = Math.max(nowMs, event.atMs);
            event.action.run();
        }
        nowMs = end;
    }
}
