package io.scalesmall.sim;

import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.Endpoint;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The simulated network: every link has the same one-way latency plus uniform jitter (which
 * reorders messages sent close together), drops each message with the loss probability,
 * duplicates it with the duplication probability, and drops every message between two nodes in
 * different partition groups. Decisions are taken when a message is sent, from the network's own
 * random stream, so they never depend on how the nodes are slowed or paused. Not thread-safe.
 */
final class SimNetwork {
    private final Simulation sim;
    private final SplittableRandom random;
    private final double lossProbability;
    private final double duplicateProbability;
    private final long latencyUs;
    private final long jitterUs;
    /** Lookup only, never iterated: the order of a HashMap cannot leak into the run. */
    private final Map<Endpoint, SimNode> byEndpoint = new HashMap<>();
    /** Partition group of every node; messages cross only within a group. */
    private int[] group;

    long lostMessages;
    long partitionedMessages;
    long unknownEndpointMessages;
    long duplicatedMessages;

    SimNetwork(Simulation sim, SimConfig config, SplittableRandom random, int nodes) {
        this.sim = sim;
        this.random = random;
        this.lossProbability = config.lossProbability();
        this.duplicateProbability = config.duplicateProbability();
        this.latencyUs = Math.round(config.latencyMs() * 1000);
        this.jitterUs = Math.round(config.jitterMs() * 1000);
        this.group = new int[nodes];
    }

    void register(SimNode node) {
        byEndpoint.put(node.endpoint, node);
    }

    /** Splits the nodes: {@code groups[i]} is node i's side; messages between sides are dropped. */
    void partition(int[] groups) {
        this.group = groups.clone();
    }

    /** Removes every partition. */
    void heal() {
        this.group = new int[group.length];
    }

    int groupOf(SimNode node) {
        return group[node.index];
    }

    /** Called from a node's outbox at the current virtual time. */
    void send(SimNode from, Endpoint to, ClusterMessage message) {
        int bytes = MessageSizes.encodedSize(message);
        sim.traffic().sent(from, message, bytes);
        SimNode dest = byEndpoint.get(to);
        if (dest == null) {
            unknownEndpointMessages++;
            return;
        }
        if (group[from.index] != group[dest.index]) {
            partitionedMessages++;
            return;
        }
        if (lossProbability > 0 && random.nextDouble() < lossProbability) {
            lostMessages++;
            return;
        }
        sim.schedule(sim.nowUs() + delayUs(), new SimEvent.Delivery(from, dest, message, bytes));
        if (duplicateProbability > 0 && random.nextDouble() < duplicateProbability) {
            duplicatedMessages++;
            sim.schedule(sim.nowUs() + delayUs(), new SimEvent.Delivery(from, dest, message, bytes));
        }
    }

    /**
     * A multicast from {@code from}: one datagram sent, delivered to every other node on its side
     * of any partition, each copy lost independently. Nodes are visited in index order, so the
     * random stream is consumed the same way in every run.
     */
    void multicast(SimNode from, ClusterMessage message, SimNode[] nodes) {
        int bytes = MessageSizes.encodedSize(message);
        sim.traffic().sent(from, message, bytes);
        for (SimNode dest : nodes) {
            if (dest == from) {
                continue;
            }
            if (group[from.index] != group[dest.index]) {
                partitionedMessages++;
                continue;
            }
            if (lossProbability > 0 && random.nextDouble() < lossProbability) {
                lostMessages++;
                continue;
            }
            sim.schedule(sim.nowUs() + delayUs(), new SimEvent.Delivery(from, dest, message, bytes, true));
        }
    }

    private long delayUs() {
        return jitterUs > 0 ? latencyUs + random.nextLong(jitterUs) : latencyUs;
    }
}
